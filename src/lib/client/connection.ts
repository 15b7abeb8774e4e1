/**
 * One configured link to a BTXH system, shared by every node of a btxh-auth
 * config node: one axios instance, keep-alive agents, one token (D11), the
 * auth mode (D16) and the body shape (D1). Public methods never throw for an
 * HTTP or network outcome and scrub every secret from what they return.
 */
import { operation, TOKEN_PATH } from '../fields';
import type { Problem } from '../problem';
import { problem } from '../problem';
import { MAX_TIMER_MS } from '../clock';
import { Agents } from './agents';
import { btxhToken, gatewayToken } from './auth';
import { answerOf, classify, existsPattern, isTokenRejection, type AnswerRules } from './classify';
import { asConnectionResult } from './fault';
import { checkDocument, DOCUMENT_BUDGET_MS } from './document';
import { Http } from './http';
import { Scrubber } from './scrub';
import { diagnose, type Diagnosis } from './diagnosis';
import { TokenCache } from './token';
import { NOT_SENT, type Api, type ConnectionConfig, type DocumentCheck, type Failure, type PullQuery, type PullResult, type SendOptions, type SendResult } from './types';

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_TOKEN_LIFETIME_MS = 30 * 60_000;
const DEFAULT_USER_AGENT = 'node-red-btxh';
const APIS: Api[] = ['DongBoDVC', 'XuLyHoSo', 'FileQuyetDinh'];
/** D22: where the sandbox (and, by default, BTXH) answers a pull; the deployed province configures its own URL. */
export const PULL_PATH = '/api/v1/Service/DanhSachHoSo';
/** Peers answer -1 while BTXH is under maintenance; a connection may list others or none. */
export const DEFAULT_BUSY_CODES: readonly (string | number)[] = [-1];

/** A configuration the connection cannot work with; `message` is the code, never a secret. */
export class ConfigError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.code);
    this.name = 'ConfigError';
  }
}

function httpUrl(value: string | undefined, field: string): URL {
  let u: URL | undefined;
  try {
    u = new URL(String(value ?? ''));
  } catch {
    u = undefined;
  }
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) throw new ConfigError(problem(field, 'invalidUrl'));
  return u;
}

/** An absolute path stays as it is; a relative one is appended to the base URL, keeping its path. */
function resolve(base: string, path: string, field: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(path)) return httpUrl(path, field).toString();
  return httpUrl(base.replace(/\/+$/, '') + '/' + path.replace(/^\/+/, ''), field).toString();
}

/** How the BTXH system itself is authenticated, after the gateway (if any). */
type BtxhAuth = 'token' | 'key' | 'none';

/** D19's "already exists" pattern, or the setting's problem when it is not a regular expression. */
function pattern(text: string | undefined): RegExp | undefined {
  try {
    return existsPattern(text);
  } catch (err) {
    throw new ConfigError(problem('existsPattern', 'existsPattern', { detail: (err as Error).message }));
  }
}

export class Connection {
  /** For tests and status: GetToken calls, gateway token calls, BTXH API requests. */
  readonly stats = { tokenRequests: 0, gatewayTokenRequests: 0, requests: 0 };

  private readonly urls: Record<Api | 'GetToken', string>;
  private readonly pullUrl: string;
  private readonly auth: BtxhAuth;
  private readonly oneByOne: boolean;
  private readonly timeoutMs: number;
  private readonly rules: AnswerRules;
  private readonly agents: Agents;
  private readonly docAgents: Agents;
  private readonly docAgentsAny: Agents;
  private readonly http: Http;
  private readonly docHttp: Http;
  private readonly docHttpAny: Http;
  private readonly scrub: Scrubber;
  private readonly btxh?: TokenCache;
  private readonly gateway?: TokenCache;

  constructor(private readonly config: ConnectionConfig) {
    const c = config;
    httpUrl(c.baseUrl, 'baseUrl');
    const paths = c.paths ?? {};
    const urls = { GetToken: resolve(c.baseUrl, paths.GetToken || TOKEN_PATH, 'paths.GetToken') } as Record<Api | 'GetToken', string>;
    for (const api of APIS) urls[api] = resolve(c.baseUrl, paths[api] || operation(api).path, `paths.${api}`);
    this.urls = urls;
    this.pullUrl = resolve(c.baseUrl, paths.Pull || PULL_PATH, 'paths.Pull');

    const mode = c.mode ?? 'token';
    if (mode !== 'token' && mode !== 'key' && mode !== 'gateway') throw new ConfigError(problem('mode', 'invalidMode'));
    if (mode === 'token') this.auth = 'token';
    else if (mode === 'key') this.auth = 'key';
    else this.auth = c.username ? 'token' : c.key ? 'key' : 'none';
    if (this.auth === 'token' && !c.username) throw new ConfigError(problem('username', 'missingCredential'));
    if (this.auth === 'token' && !c.password) throw new ConfigError(problem('password', 'missingCredential'));
    if (this.auth === 'key' && !c.key) throw new ConfigError(problem('key', 'missingCredential'));
    if (mode === 'gateway' && c.gateway?.tokenUrl) httpUrl(c.gateway.tokenUrl, 'gateway.tokenUrl');
    if (c.proxy) httpUrl(c.proxy.url, 'proxy.url');

    // D16 (b): the key rides in each record's body, so records travel one per request
    this.oneByOne = c.bodyShape === 'object' || this.auth === 'key';
    this.timeoutMs = c.timeoutMs && c.timeoutMs > 0 ? Math.min(c.timeoutMs, MAX_TIMER_MS) : DEFAULT_TIMEOUT_MS;
    this.rules = {
      busyCodes: c.busyCodes ?? DEFAULT_BUSY_CODES,
      successCodes: c.successCodes,
      existsCodes: c.existsCodes,
      existsPattern: pattern(c.existsPattern),
    };
    const lifetime = c.tokenLifetimeMs ?? DEFAULT_TOKEN_LIFETIME_MS;

    this.scrub = new Scrubber([c.password, c.key, c.gateway?.clientSecret, c.proxy?.password, ...Object.values(c.gateway?.headers ?? {})]);
    this.agents = new Agents(c.tls, c.proxy, 'api');
    // Document checks: names resolving to private addresses refused at connect time, unless the node allows them.
    this.docAgents = new Agents(c.tls, c.proxy, 'document', true);
    this.docAgentsAny = new Agents(c.tls, c.proxy, 'document');
    const ua = c.userAgent || DEFAULT_USER_AGENT;
    this.http = new Http(this.agents, ua);
    this.docHttp = new Http(this.docAgents, ua);
    this.docHttpAny = new Http(this.docAgentsAny, ua);

    if (mode === 'gateway' && c.gateway?.tokenUrl) {
      const g = c.gateway;
      this.gateway = new TokenCache(async () => {
        this.stats.gatewayTokenRequests++;
        const r = await gatewayToken(this.http, g, this.timeoutMs);
        if (r.ok) this.scrub.addToken(r.token);
        return r;
      }, lifetime);
    }
    if (this.auth === 'token') {
      this.btxh = new TokenCache(async () => {
        const h = await this.gatewayHeaders();
        if (!h.ok) return h.failure;
        this.stats.tokenRequests++;
        const r = await btxhToken(this.http, this.urls.GetToken, h.headers, c.username as string, c.password as string, this.timeoutMs, this.rules);
        if (r.ok) this.scrub.addToken(r.token);
        return r;
      }, lifetime);
    }
  }

  /** D16 (c): the gateway's own headers and Bearer token, sent with GetToken and every API call. */
  private async gatewayHeaders(): Promise<{ ok: true; headers: Record<string, string> } | { ok: false; failure: Failure }> {
    const headers: Record<string, string> = { ...(this.config.mode === 'gateway' ? this.config.gateway?.headers : undefined) };
    if (this.gateway) {
      const g = await this.gateway.get();
      if (!g.ok) return { ok: false, failure: g };
      headers.Authorization = `Bearer ${g.token}`;
    }
    return { ok: true, headers };
  }

  /** One POST with the current credentials; `used` names the tokens it carried, for invalidation. */
  private async attempt(api: Api, body: unknown, opts: SendOptions): Promise<{ result: SendResult; used: { btxh?: string; gateway?: string } }> {
    const used: { btxh?: string; gateway?: string } = {};
    const g = await this.gatewayHeaders();
    if (!g.ok) return { result: g.failure, used };
    const headers = g.headers;
    if (headers.Authorization) used.gateway = headers.Authorization.slice('Bearer '.length);
    if (this.btxh) {
      const t = await this.btxh.get();
      if (!t.ok) return { result: t, used };
      headers.AccessKey = used.btxh = t.token;
    }
    headers['Content-Type'] = 'application/json; charset=utf-8';
    // The last moment before the records leave: a token fetch may have taken long, or the process
    // been frozen, since the caller last made sure they are still its own to send.
    if (opts.ready && !(await opts.ready())) return { result: { ok: false, kind: 'transient', code: NOT_SENT, message: 'not sent: the records are to be confirmed as held first' }, used };
    this.stats.requests++;
    // The records' JSON lives as bytes outside V8's heap for as long as the request is out: as a
    // string it outlived young collections and pushed V8 into growing the heap for a backfill.
    const x = await this.http.request({ method: 'POST', url: this.urls[api], headers, body: Buffer.from(JSON.stringify(body), 'utf8'), timeoutMs: this.timeoutMs });
    return { result: classify(x, Date.now(), this.rules), used };
  }

  /**
   * D11: a request refused for its token gets one refresh and one resend. What
   * is left of a refusal then is a connection fault (wrong credentials, a
   * certificate, a redirect, a wrong path): `asConnectionResult` makes it
   * transient, so the engine waits for the connection instead of blaming the records.
   */
  private async post(api: Api, body: unknown, opts: SendOptions): Promise<SendResult> {
    return asConnectionResult(await this.refreshing(api, body, opts));
  }

  private async refreshing(api: Api, body: unknown, opts: SendOptions): Promise<SendResult> {
    const first = await this.attempt(api, body, opts);
    if (!isTokenRejection(first.result)) return first.result;
    const refreshable = first.used.btxh !== undefined || first.used.gateway !== undefined;
    if (!refreshable) return { ...(first.result as Failure), code: 'authFailed' };
    if (first.used.btxh !== undefined) this.btxh?.invalidate(first.used.btxh);
    if (first.used.gateway !== undefined) this.gateway?.invalidate(first.used.gateway);
    const second = await this.attempt(api, body, opts);
    if (isTokenRejection(second.result)) return { ...(second.result as Failure), code: 'authFailed' };
    return second.result;
  }

  /** Records per request: 1 when each record travels alone (bodyShape 'object' or a static key). */
  get recordsPerRequest(): number {
    return this.oneByOne ? 1 : Infinity;
  }

  /** D20: the record under the names the connection emits (in the same order); as it is when none is renamed. */
  private emitted(record: Record<string, unknown>): Record<string, unknown> {
    const names = this.config.emitNames;
    if (!names || !Object.keys(names).some((k) => k in record)) return record;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(record)) out[Object.prototype.hasOwnProperty.call(names, k) ? names[k] : k] = record[k];
    return out;
  }

  private withKey(record: Record<string, unknown>): Record<string, unknown> {
    return this.auth === 'key' ? { ...record, AcceptKey: this.config.key } : record;
  }

  /**
   * Sends records to one operation. Body shape 'array' (D1 default): one
   * request with all of them. Shape 'object' or a static key: one request per
   * record, in order, stopping at the first failure (`delivered` tells how many
   * went through); the body of a success is then the server's answer for a
   * single record, or the list of answers for several.
   */
  async send(api: Api, records: Record<string, unknown>[], opts: SendOptions = {}): Promise<SendResult> {
    if (!APIS.includes(api)) return { ok: false, kind: 'rejected', code: 'http', message: `unknown API ${String(api)}` };
    if (!Array.isArray(records) || records.length === 0) return { ok: false, kind: 'rejected', code: 'noRecords', message: 'no records' };
    if (this.config.emitNames) records = records.map((r) => this.emitted(r));
    if (!this.oneByOne) return this.scrub.value(await this.post(api, records, opts));
    const bodies: unknown[] = [];
    let last: SendResult | undefined;
    for (let i = 0; i < records.length; i++) {
      last = await this.post(api, this.withKey(records[i]), opts);
      if (!last.ok) return this.scrub.value({ ...last, delivered: i });
      bodies.push(last.body);
    }
    const done = last as SendResult & { ok: true };
    const out: SendResult = { ok: true, status: done.status, body: records.length === 1 ? done.body : bodies };
    if (done.message !== undefined) out.message = done.message;
    return this.scrub.value(out);
  }

  /**
   * The editor's "Test connection": a fresh gateway token and/or GetToken. With
   * a static key there is no token endpoint; the base URL must then answer at
   * all (any HTTP status proves address, TLS and proxy).
   */
  async test(): Promise<{ ok: boolean; message: string; code?: string; status?: number; diagnosis?: Diagnosis }> {
    const fail = (f: Failure, url: string) =>
      this.scrub.value({ ok: false, message: f.message, code: f.code, ...(f.status !== undefined ? { status: f.status } : {}), diagnosis: diagnose(f, url) });
    if (this.gateway) {
      this.gateway.clear();
      const g = await this.gateway.get();
      if (!g.ok) return fail(g, this.config.gateway?.tokenUrl ?? this.config.baseUrl);
    }
    if (this.btxh) {
      this.btxh.clear();
      const t = await this.btxh.get();
      if (!t.ok) return fail(t, this.config.baseUrl);
      return { ok: true, message: 'GetToken OK' };
    }
    if (this.gateway) return { ok: true, message: 'gateway token OK' };
    const x = await this.http.request({ method: 'GET', url: this.config.baseUrl, timeoutMs: this.timeoutMs });
    if (x.error) return fail(classify(x) as Failure, this.config.baseUrl);
    return { ok: true, message: `HTTP ${x.response.status}`, status: x.response.status };
  }

  /** FileQuyetDinh option: does the decision Url serve a PDF or an image? Bounded by the connection's timeout and 10 s. */
  checkDocument(url: string, opts: { allowPrivate?: boolean } = {}): Promise<DocumentCheck> {
    const http = opts.allowPrivate ? this.docHttpAny : this.docHttp;
    return checkDocument(http, url, { allowPrivate: opts.allowPrivate, budgetMs: Math.min(this.timeoutMs, DOCUMENT_BUDGET_MS) });
  }

  /**
   * D22 (case A2): the dossiers registered on BTXH in a window, for the province's units, as
   * the deployed province asks: the static key as `Authorization: Bearer` and as `AcceptKey` in
   * the body, the answer read from its `{"result": {...}}` envelope (`data`). Never retried
   * here: the caller asks again for the same window.
   */
  async pull(q: PullQuery): Promise<PullResult> {
    const c = this.config;
    if (!c.key) return { ok: false, kind: 'rejected', code: 'authFailed', message: 'a pull needs the static key (AcceptKey)' };
    const headers: Record<string, string> = { 'Content-Type': 'application/json; charset=utf-8', Authorization: `Bearer ${c.key}` };
    this.stats.requests++;
    const x = await this.http.request({ method: 'POST', url: this.pullUrl, headers, body: JSON.stringify({ AcceptKey: c.key, LoaiDuLieu: q.LoaiDuLieu ?? '100', ...q }), timeoutMs: this.timeoutMs });
    const r = this.scrub.value(classify(x, Date.now(), this.rules));
    if (!r.ok) return r;
    const data = (answerOf(r.body) as { data?: unknown } | undefined)?.data;
    if (!Array.isArray(data) || data.some((d) => !d || typeof d !== 'object' || Array.isArray(d))) {
      return { ok: false, kind: 'transient', code: 'badResponse', status: r.status, message: 'the answer has no list of dossiers (data)' };
    }
    return { ok: true, status: r.status, items: data as Record<string, unknown>[] };
  }

  /** D22: a pull is asked with the static key (AcceptKey): only a connection that has one can pull. */
  get canPull(): boolean {
    return Boolean(this.config.key);
  }

  /** Closes idle sockets; a later call opens new ones. */
  close(): void {
    this.agents.destroy();
    this.docAgents.destroy();
    this.docAgentsAny.destroy();
  }
}
