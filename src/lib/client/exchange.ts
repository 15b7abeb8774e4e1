/**
 * One HTTP exchange reduced to plain data: either the response (status,
 * headers, body text) or the transport error (code and message only). Axios
 * errors carry the request config — headers with the token, the body with the
 * password — so they are taken apart here and never travel further.
 */
export interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export interface TransportError {
  /** Node/axios error code (ECONNREFUSED, DEPTH_ZERO_SELF_SIGNED_CERT...) or 'TIMEOUT'. */
  code: string;
  message: string;
}

export type Exchange = { response: Response; error?: undefined } | { error: TransportError; response?: undefined };

/** Reads only code and message off whatever was thrown. */
export function transportError(err: unknown, timedOut: boolean): TransportError {
  if (timedOut) return { code: 'TIMEOUT', message: 'timeout' };
  const e = (err ?? {}) as { code?: unknown; message?: unknown; cause?: { code?: unknown } };
  const code = typeof e.code === 'string' ? e.code : typeof e.cause?.code === 'string' ? e.cause.code : 'UNKNOWN';
  const message = typeof e.message === 'string' ? e.message : String(err);
  return { code, message };
}
