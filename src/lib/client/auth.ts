/**
 * The two token endpoints a connection may call: BTXH GetToken (D11, D16 a/c)
 * and a provincial LGSP gateway's OAuth2 client-credentials endpoint (D16 c).
 * Both answer a Fetched for TokenCache and never expose what they sent.
 */
import { classifyResponse, classifyError, parseJson, serverMessage, type AnswerRules } from './classify';
import type { Http } from './http';
import type { Fetched } from './token';
import type { Failure, GatewayConfig } from './types';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A 2xx without a token is a broken answer, not a verdict on the credentials: retried like an outage. */
function noToken(status: number, body: unknown, what: string): Failure {
  return { ok: false, kind: 'transient', code: 'badResponse', status, message: serverMessage(body) ?? `no ${what} in the answer`, body };
}

/** GetToken: POST {username, password}; D10 answer with `token`. */
export async function btxhToken(
  http: Http,
  url: string,
  headers: Record<string, string>,
  username: string,
  password: string,
  timeoutMs: number,
  rules: AnswerRules = {},
): Promise<Fetched> {
  const x = await http.request({
    method: 'POST',
    url,
    headers: { ...headers, 'Content-Type': 'application/json; charset=utf-8' },
    body: JSON.stringify({ username, password }),
    timeoutMs,
  });
  if (x.error) return classifyError(x.error);
  const r = classifyResponse(x.response, Date.now(), rules);
  if (!r.ok) {
    // the server understood and refused the credentials; a 404 or a redirect keeps its own code
    if (r.code === 'apiError' || r.status === 401 || r.status === 403) return { ...r, code: 'authFailed' };
    return r;
  }
  const b = r.body;
  const token = isObject(b) ? (b.token ?? b.Token ?? b.access_token ?? (isObject(b.data) ? b.data.token : undefined)) : undefined;
  if (typeof token !== 'string' || token === '') return noToken(r.status, b, 'token');
  return { ok: true, token };
}

/** How long before expires_in a gateway token is replaced: 60 s, or half its life if shorter. */
export function gatewayTtlMs(expiresInSeconds: unknown): number | undefined {
  const s = Number(expiresInSeconds);
  if (!Number.isFinite(s) || s <= 0) return undefined;
  const life = s * 1000;
  return life - Math.min(60_000, life / 2);
}

/** OAuth2 client credentials (RFC 6749 4.4): form body, answer {access_token, expires_in}. */
export async function gatewayToken(http: Http, g: GatewayConfig, timeoutMs: number): Promise<Fetched> {
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  if (g.scope) form.set('scope', g.scope);
  const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' };
  if (g.clientAuth === 'body') {
    form.set('client_id', g.clientId ?? '');
    form.set('client_secret', g.clientSecret ?? '');
  } else {
    const id = encodeURIComponent(g.clientId ?? '');
    const secret = encodeURIComponent(g.clientSecret ?? '');
    headers.Authorization = 'Basic ' + Buffer.from(`${id}:${secret}`).toString('base64');
  }
  const x = await http.request({ method: 'POST', url: g.tokenUrl as string, headers, body: form.toString(), timeoutMs });
  if (x.error) return classifyError(x.error);
  const res = x.response;
  if (res.status < 200 || res.status >= 300) {
    const r = classifyResponse(res) as Failure;
    // OAuth answers a bad client with 400 invalid_client or 401
    const body = parseJson(res.text);
    const oauthError = isObject(body) && typeof body.error === 'string';
    if (r.kind === 'rejected' && (r.status === 401 || r.status === 403 || oauthError)) return { ...r, code: 'authFailed' };
    return r;
  }
  const body = parseJson(res.text);
  const token = isObject(body) ? body.access_token : undefined;
  if (typeof token !== 'string' || token === '') return noToken(res.status, body ?? res.text.slice(0, 200), 'access_token');
  const ttlMs = gatewayTtlMs(isObject(body) ? body.expires_in : undefined);
  return ttlMs === undefined ? { ok: true, token } : { ok: true, token, ttlMs };
}
