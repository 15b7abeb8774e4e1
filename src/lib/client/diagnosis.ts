import type { Failure } from './types';

/**
 * What "Test connection" tells a user about a failure: a short cause they can act
 * on, its parameters, and the technical detail kept apart (the editor folds it).
 * A refused port, an unknown name and an HTTPS address on a plain-HTTP port all
 * arrive as network or TLS failures; an HTML page where BTXH should answer as a
 * "bad response". The editor renders `cause` in its own language
 * (btxh-auth.test.answer.<cause>).
 */
export interface Diagnosis {
  cause: string;
  params: Record<string, string | number>;
  detail: string;
}

export function diagnose(f: Pick<Failure, 'code' | 'message' | 'status' | 'body'>, url: string): Diagnosis {
  let host = url;
  try {
    host = new URL(url).host;
  } catch {
    /* shown as given */
  }
  const status = f.status ?? '';
  // The transport's own words (ECONNREFUSED 127.0.0.1:8089); for an answer only its status: a remote body is never echoed.
  const detail = f.status !== undefined ? `HTTP ${f.status}` : f.message;
  const at = (cause: string, params: Record<string, string | number> = {}): Diagnosis => ({ cause, params: { host, status, ...params }, detail });
  const text = `${f.message} ${typeof f.body === 'string' ? f.body : ''}`;
  switch (f.code) {
    case 'network':
      if (/ECONNREFUSED/.test(text)) return at('refused');
      if (/ENOTFOUND|EAI_AGAIN/.test(text)) return at('unknownHost');
      if (/ECONNRESET|socket hang up/i.test(text)) return at('reset');
      return at('network');
    case 'tls':
      // OpenSSL's words for a TLS hello answered in plain HTTP.
      if (/wrong version number|WRONG_VERSION_NUMBER|packet length too long|http request/i.test(text)) return at('plainHttp');
      return at('tls');
    case 'badResponse':
      return /<\s*(!doctype|html|head|body)\b/i.test(text) ? at('notBtxh') : at('badResponse');
    case 'http':
      return f.status === 404 ? at('notFound') : at('http');
    default:
      return at(f.code);
  }
}
