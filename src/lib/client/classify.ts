/**
 * D10 and the retry classification, in one place so the engine can trust
 * `kind`: `rejected` is a verdict on the records (a 4xx, a BTXH error_code),
 * which the same records will get again; `transient` is anything that says
 * nothing about them: network, timeout, 5xx, 429, and answers that cannot be a
 * verdict (a 2xx that is not JSON, such as a proxy's HTML page; JSON without
 * `error_code`; a body over the size cap; an error_code the connection lists
 * as "busy/maintenance"). Connection faults (credentials, certificate, proxy,
 * redirect, wrong path) are turned transient by `./fault` after the token
 * refresh has had its chance.
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
  // An answer over the size cap, or one the HTTP layer could not read, is no verdict on the records.
  if (e.code === 'ERR_FR_MAX_BODY_LENGTH_EXCEEDED' || e.code === 'ERR_BAD_RESPONSE') {
    return failure('transient', 'badResponse', e.message);
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

/**
 * D19: the answer inside its envelope. Deployed BTXH answers wrap it as
 * `{"result": {"error_code": 0, "message": …}}`; an answer with its own error_code is its own.
 */
export function answerOf(body: unknown): unknown {
  if (!isObject(body) || errorCode(body) !== undefined) return body;
  const inner = body.result ?? body.Result;
  return isObject(inner) && errorCode(inner) !== undefined ? inner : body;
}

/** D10: error_code 0 or "0" is the only success value. */
export function isSuccessCode(code: unknown): boolean {
  return code === 0 || (typeof code === 'string' && code.trim() === '0');
}

function snippet(text: string): string {
  const t = text.trim();
  return t.length > MAX_TEXT ? t.slice(0, MAX_TEXT) + '…' : t;
}

/** How a connection reads BTXH's answers. */
export interface AnswerRules {
  /** error_code values meaning "busy / under maintenance, try later" (compared as trimmed strings). */
  busyCodes?: readonly (string | number)[];
  /** D19: error_code values meaning success; the annex's 0 / "0" when absent. */
  successCodes?: readonly (string | number)[];
  /** D19: answers meaning "already there", counted as delivered (off when both are absent). */
  existsCodes?: readonly (string | number)[];
  existsPattern?: RegExp;
}

/** D19: is `code` a success under these rules (the annex's 0 / "0" by default)? */
export function isSuccess(code: unknown, rules: AnswerRules = {}): boolean {
  return rules.successCodes && rules.successCodes.length ? listed(code, rules.successCodes) : isSuccessCode(code);
}

/**
 * D19: an "already exists" pattern as typed in the dialog (a regular expression, any case),
 * tried on the message as sent and without diacritics, so "đã tồn tại" and "da ton tai" both
 * match. Undefined when empty; a pattern that does not compile throws (a setting's problem).
 */
export function existsPattern(text: string | undefined): RegExp | undefined {
  const t = text?.trim();
  return t ? new RegExp(t, 'i') : undefined;
}

function matches(pattern: RegExp | undefined, message: string): boolean {
  return pattern !== undefined && (pattern.test(message) || pattern.test(fold(message)));
}

function listed(code: unknown, list: readonly (string | number)[] | undefined): boolean {
  if (!list || !list.length || code === undefined || code === null) return false;
  const c = String(code).trim();
  return list.some((x) => String(x).trim() === c);
}

export function classifyResponse(r: Response, now: number = Date.now(), rules: AnswerRules = {}): SendResult {
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

  // A 2xx that is not BTXH's answer (a gateway's HTML page, an empty or truncated body,
  // JSON without error_code) says nothing about the records: retried, never their dead letter.
  if (json === undefined) return failure('transient', 'badResponse', message, { status, body });
  const answer = answerOf(json);
  const said = serverMessage(answer) ?? message;
  const code = errorCode(answer);
  if (code === undefined || code === null) return failure('transient', 'badResponse', said, { status, body });
  // Peers use -1 both for maintenance and for "Token hết hạn": a message naming the
  // token is a token rejection (one refresh, D11), not a busy server.
  if (listed(code, rules.busyCodes) && !namesToken(answer)) return failure('transient', 'busy', said, { status, body });
  const already = !isSuccess(code, rules) && !namesToken(answer) && (listed(code, rules.existsCodes) || matches(rules.existsPattern, said));
  if (!isSuccess(code, rules) && !already) return failure('rejected', 'apiError', said, { status, body });
  const ok: SendResult = { ok: true, status, body: json };
  const m = serverMessage(answer);
  if (m !== undefined) ok.message = m;
  if (already) ok.already = true;
  return ok;
}

export function classify(x: Exchange, now?: number, rules?: AnswerRules): SendResult {
  return x.response ? classifyResponse(x.response, now, rules) : classifyError(x.error);
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
  const answer = answerOf(r.body);
  const code = errorCode(answer);
  if (code === undefined || code === null || isSuccessCode(code)) return false;
  if (String(code).trim() === '401' || String(code).trim() === '403') return true;
  return namesToken(answer);
}

/** Does the server's message name the credential ("Token hết hạn", "AccessKey không hợp lệ")? */
function namesToken(body: unknown): boolean {
  const m = serverMessage(body);
  return m !== undefined && TOKEN_WORDS.test(fold(m));
}
