/**
 * D10 and the retry classification, in one place so the engine can trust
 * `kind`: `transient` failures are worth retrying (network, timeout, 5xx, 429),
 * `rejected` ones will fail the same way again (4xx, 3xx, a BTXH error_code,
 * an unreadable answer, a certificate the connection does not trust).
 */
import type { Exchange, Response, TransportError } from './exchange';
import { retryAfterMs } from './retry-after';
import type { Failure, SendResult } from './types';

/** Connection-level errors that may well pass on the next attempt. */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

/** Certificate and handshake failures: a configuration problem, retrying will not help. */
function isTls(code: string): boolean {
  return (
    /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ALTNAME|^ERR_TLS|^ERR_SSL|^EPROTO$/.test(code)
  );
}

const MAX_TEXT = 500;

function failure(kind: Failure['kind'], code: string, message: string, extra: Partial<Failure> = {}): Failure {
  return { ok: false, kind, code, message, ...extra };
}

export function classifyError(e: TransportError): Failure {
  if (e.code === 'TIMEOUT') return failure('transient', 'timeout', e.message);
  if (isTls(e.code)) return failure('rejected', 'tls', `${e.code}: ${e.message}`);
  // hpagent reports a refused CONNECT as "Bad response: <status>"
  const proxy = /^Bad response: (\d{3})/.exec(e.message);
  if (proxy) {
    const status = Number(proxy[1]);
    return failure(status === 407 ? 'rejected' : 'transient', 'proxy', e.message, { status });
  }
  if (e.code === 'ERR_FR_MAX_BODY_LENGTH_EXCEEDED' || e.code === 'ERR_BAD_RESPONSE') {
    return failure('rejected', 'badResponse', e.message);
  }
  // Unknown transport errors happened before any answer: treat them as network
  // trouble, which the engine retries with a cap rather than dead-lettering data.
  return failure('transient', 'network', TRANSIENT_CODES.has(e.code) || e.code === 'UNKNOWN' ? e.message : `${e.code}: ${e.message}`);
}

/** JSON body, or undefined when the text is not JSON (a BOM is tolerated). */
export function parseJson(text: string): unknown {
  const t = text.replace(/^\uFEFF/, '').trim();
  if (t === '') return undefined;
  try {
    return JSON.parse(t);
  } catch {
    return undefined;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The server's own message, whatever its capitalisation. */
export function serverMessage(body: unknown): string | undefined {
  if (!isObject(body)) return undefined;
  const m = body.message ?? body.Message ?? body.error_description ?? body.error;
  return typeof m === 'string' ? m : undefined;
}

export function errorCode(body: unknown): unknown {
  return isObject(body) ? (body.error_code ?? body.Error_code ?? body.ErrorCode) : undefined;
}

/** D10: error_code 0 or "0" is the only success value. */
export function isSuccessCode(code: unknown): boolean {
  return code === 0 || (typeof code === 'string' && code.trim() === '0');
}

function snippet(text: string): string {
  const t = text.trim();
  return t.length > MAX_TEXT ? t.slice(0, MAX_TEXT) + '…' : t;
}

export function classifyResponse(r: Response, now: number = Date.now()): SendResult {
  const { status } = r;
  const json = parseJson(r.text);
  const body = json === undefined ? (r.text.trim() === '' ? undefined : snippet(r.text)) : json;
  const message = serverMessage(json) ?? (json === undefined && r.text.trim() !== '' ? snippet(r.text) : `HTTP ${status}`);

  if (status >= 300 && status < 400) {
    // Never followed: a redirect must not carry the key to another address.
    const location = r.headers.location;
    const where = Array.isArray(location) ? location[0] : location;
    return failure('rejected', 'redirect', where ? `HTTP ${status} -> ${where}` : `HTTP ${status}`, { status, body });
  }
  if (status === 429) return failure('transient', 'rateLimited', message, { status, retryAfterMs: retryAfterMs(r.headers['retry-after'], now) });
  if (status >= 500) return failure('transient', 'serverError', message, { status, retryAfterMs: retryAfterMs(r.headers['retry-after'], now) });
  if (status === 401 || status === 403) return failure('rejected', 'authFailed', message, { status, body });
  if (status < 200 || status >= 300) return failure('rejected', 'http', message, { status, body });

  if (json === undefined) return failure('rejected', 'badResponse', message, { status, body });
  const code = errorCode(json);
  if (code === undefined || code === null) return failure('rejected', 'badResponse', message, { status, body });
  if (!isSuccessCode(code)) return failure('rejected', 'apiError', message, { status, body });
  const ok: SendResult = { ok: true, status, body: json };
  const m = serverMessage(json);
  if (m !== undefined) ok.message = m;
  return ok;
}

export function classify(x: Exchange, now?: number): SendResult {
  return x.response ? classifyResponse(x.response, now) : classifyError(x.error);
}

/** Lower case, no diacritics, đ -> d: "Khoá truy cập" and "khóa truy cập" compare equal. */
function fold(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase();
}

/** Words that name the credential itself; "hết hạn"/"không hợp lệ" alone also describe data errors. */
const TOKEN_WORDS = /token|access ?key|accept ?key|khoa truy cap|ma truy cap|chua dang nhap|unauthori[sz]ed/;

/**
 * D11: was this request refused because of its token, so that one refresh and
 * one resend may cure it? True for HTTP 401/403, for error_code 401/403, and for
 * any other non-zero error_code whose message names the token ("Token hết hạn",
 * "AccessKey không hợp lệ", "invalid token", error_code -1 "Token expired").
 * A message that merely says "không hợp lệ" (e.g. an invalid MaHoSo) is a data
 * error and must not cost a GetToken.
 */
export function isTokenRejection(r: SendResult): boolean {
  if (r.ok || r.kind !== 'rejected' || r.status === undefined) return false;
  if (r.status === 401 || r.status === 403) return true;
  const code = errorCode(r.body);
  if (code === undefined || code === null || isSuccessCode(code)) return false;
  if (String(code).trim() === '401' || String(code).trim() === '403') return true;
  const m = serverMessage(r.body);
  return m !== undefined && TOKEN_WORDS.test(fold(m));
}
