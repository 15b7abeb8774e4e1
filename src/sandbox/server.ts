import { createServer, type IncomingMessage, type ServerResponse } from 'http';
import { createServer as createTlsServer } from 'https';
import type { AddressInfo } from 'net';
import { operation, type OperationId, type OperationSpec } from '../lib/fields';
import { maskId, maskText } from '../lib/mask';
import { defaultSettings, type Settings } from '../lib/settings';
import { basic, bearer, same, Tokens } from './auth';
import { parseFaults, verdict, type Faults } from './faults';
import { page } from './page';
import { pulled, select, vnTime, type Registered } from './ministry';
import { State, type Received } from './state';
import { says, type TextKey } from './text';
import { summary, validate } from './validate';

export type { Faults } from './faults';
export type { Received } from './state';

/**
 * The BTXH sandbox: a standalone HTTP server that answers like the BTXH system
 * (api.md), for a province's "step 2" tests and for all of this package's tests.
 * It never imports Node-RED.
 */
export interface SandboxOptions {
  /** 0 (the default) = a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** GetToken credentials, default demo/demo. */
  username?: string;
  password?: string;
  /** Lifetime of GetToken and gateway tokens, default 30 min. */
  tokenLifetimeMs?: number;
  /** Static AcceptKey of D16 mode (b), default 'demo-key'. */
  key?: string;
  /**
   * Client credentials of the simulated LGSP gateway (D16 mode c), default demo/demo. D21's
   * variants: `clientAuth` accepts the client's credentials only as HTTP Basic (a WSO2-style
   * gateway) or only in the form body (default: either); `accessJson` wants `lgspaccesstoken`
   * to be the Base64 of this JSON object of credentials; `headers` are static headers it wants.
   */
  gateway?: { clientId: string; clientSecret: string; headers?: Record<string, string>; clientAuth?: 'basic' | 'body'; accessJson?: Record<string, string> };
  /** Serve HTTPS with this key and certificate (to test custom CAs and client certificates). */
  tls?: { key: string | Buffer; cert: string | Buffer; ca?: string | Buffer; requestCert?: boolean };
  /** Strict wire checks (D6, D8), default false like the nodes' own default: api.md validates NOHT_MaThon at 250 and strict is the opt-in. */
  strict?: boolean;
  /** Code sets and formats the sandbox expects, default the lib defaults. */
  settings?: Partial<Settings>;
  /** One line per request; never holds a token, password, key or full CMND. */
  log?: (line: string) => void;
  /**
   * How it answers (D19). `annex` (default): as the annex writes it, error_code 0 / 1 as
   * numbers, HTTP 401 for a bad token. `deployed`: as the deployed BTXH system and its
   * siblings answer (api.md, "What deployed peers show") — error_code as a string ("0",
   * "1"), a bad token as HTTP 200 with error_code "-1" and "Token hết hạn", a refusal as
   * one message naming the fields, a dossier sent again as error_code "3" "Hồ sơ … đã tồn
   * tại" (nothing stored), and FileQuyetDinh's answer inside a `{"result": {…}}` envelope,
   * as the pull operation's.
   */
  profile?: 'annex' | 'deployed';
}

export interface Sandbox {
  url: string;
  port: number;
  close(): Promise<void>;
  /** Every receipt in arrival order (duplicates included), of one operation (id or API name) or all. */
  records(op?: string): Received[];
  /** Stored records per operation id. */
  counts(): Record<string, number>;
  /** Replaces the active faults when given; returns the active faults. */
  faults(f?: Faults): Faults;
  /** Every GetToken and gateway token issued so far stops working. */
  expireTokens(): void;
  /**
   * D22: dossiers registered on the BTXH system itself (table names), at `at` (epoch ms, now by
   * default), for a province to pull back through `POST /api/v1/Service/DanhSachHoSo`; a MaHoSo
   * registered again replaces the one there (an update at the ministry).
   */
  register(records: Record<string, unknown>[], at?: number): void;
  /** Forgets records, counters and faults (tokens stay valid). */
  reset(): void;
  /** Every GetToken token issued so far (for leak checks in tests; never served over HTTP). */
  tokens(): string[];
  /** Live counters: tokens issued, API requests received per endpoint name. */
  stats: { tokens: number; requests: Record<string, number> };
}

const SERVICE = '/api/v1/Service/';
const KEYED = '/apiBTXH/';
const GATEWAY = '/gateway';
const MAX_BODY = 10 * 1024 * 1024;

type Json = Record<string, unknown>;

/** An answer to write: status, JSON (or HTML) body, extra headers. */
interface Answer {
  status: number;
  body: Json | string;
  headers?: Record<string, string>;
}

class BodyError extends Error {
  constructor(readonly key: TextKey, readonly status: number) {
    super(key);
  }
}

function json(status: number, body: Json, headers?: Record<string, string>): Answer {
  return { status, body, headers };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      if (over) return; // read and dropped: the client gets its 413, not a reset connection
      size += c.length;
      if (size > MAX_BODY) {
        over = true;
        chunks.length = 0;
        reject(new BodyError('tooLarge', 413));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    throw new BodyError('badJson', 400);
  }
}

/** D1: a JSON array of records, or one record object. */
function recordsOf(body: unknown): unknown[] {
  const list = Array.isArray(body) ? body : typeof body === 'object' && body !== null ? [body] : undefined;
  if (!list) throw new BodyError('badBody', 400);
  if (list.length === 0) throw new BodyError('emptyBody', 400);
  return list;
}

function opOf(api: string): OperationSpec | undefined {
  try {
    const spec = operation(api);
    return spec.api === api ? spec : undefined;
  } catch {
    return undefined;
  }
}

function masked(r: Received): Received {
  return 'CMND' in r.record ? { ...r, record: { ...r.record, CMND: maskId(r.record.CMND) } } : r;
}

export async function createSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const username = opts.username ?? 'demo';
  const password = opts.password ?? 'demo';
  const key = opts.key ?? 'demo-key';
  const gateway = opts.gateway ?? { clientId: 'demo', clientSecret: 'demo' };
  const lifetime = opts.tokenLifetimeMs ?? 30 * 60 * 1000;
  const settings: Partial<Settings> = { ...defaultSettings, ...opts.settings, strict: opts.strict ?? opts.settings?.strict ?? false };
  const log = (line: string) => opts.log?.(maskText(line));
  const deployed = opts.profile === 'deployed';

  const state = new State();
  const ministry: Registered[] = [];
  const tokens = new Tokens(lifetime);
  const gatewayTokens = new Tokens(lifetime);
  const stats = { tokens: 0, requests: {} as Record<string, number> };
  let faults: Faults = {};
  const timers = new Set<NodeJS.Timeout>();

  const count = (name: string) => {
    stats.requests[name] = (stats.requests[name] ?? 0) + 1;
  };

  async function getToken(req: IncomingMessage): Promise<Answer> {
    const body = parseJson(await readBody(req)) as Json | null;
    const ok = !!body && typeof body === 'object' && same(body.username, username) && same(body.password, password);
    if (!ok) {
      log(`GetToken refused (user ${typeof body?.username === 'string' ? body.username : '?'})`);
      // The seed reports errors as error_code values, with HTTP 200.
      return json(200, { error_code: 1, ...says('badLogin') });
    }
    const { token } = tokens.issue();
    stats.tokens += 1;
    log(`GetToken ok (user ${username})`);
    return json(200, { error_code: 0, ...says('ok'), token });
  }

  async function gatewayToken(req: IncomingMessage): Promise<Answer> {
    const text = await readBody(req);
    const type = String(req.headers['content-type'] ?? '');
    let form: Record<string, unknown>;
    if (type.includes('json')) {
      const b = parseJson(text);
      form = typeof b === 'object' && b !== null ? (b as Json) : {};
    } else {
      form = Object.fromEntries(new URLSearchParams(text));
    }
    if (form.grant_type !== 'client_credentials') return json(400, { error: 'unsupported_grant_type' });
    const viaBasic = basic(req.headers.authorization);
    if ((gateway.clientAuth === 'basic' && !viaBasic) || (gateway.clientAuth === 'body' && viaBasic)) {
      log(`gateway token refused: client credentials expected in the ${gateway.clientAuth === 'basic' ? 'Basic header' : 'form body'}`);
      return json(401, { error: 'invalid_client' });
    }
    const id = viaBasic?.id ?? form.client_id;
    const secret = viaBasic?.secret ?? form.client_secret;
    if (!same(id, gateway.clientId) || !same(secret, gateway.clientSecret)) {
      log('gateway token refused');
      return json(401, { error: 'invalid_client' });
    }
    const { token, expiresIn } = gatewayTokens.issue();
    log('gateway token ok');
    return json(200, { access_token: token, expires_in: Math.floor(expiresIn / 1000), token_type: 'Bearer' });
  }

  /** Mode (a): AccessKey header from GetToken. Mode (b): AcceptKey in each record. */
  async function sync(req: IncomingMessage, spec: OperationSpec, mode: 'token' | 'key'): Promise<Answer> {
    if (mode === 'token' && !tokens.valid(String(req.headers.accesskey ?? ''))) {
      log(`${spec.api} refused: token invalid or expired`);
      if (deployed) return json(200, { error_code: '-1', message: 'Token hết hạn' });
      return json(401, { error_code: 401, ...says('badToken') });
    }
    let records = recordsOf(parseJson(await readBody(req)));
    if (mode === 'key') {
      const keyed = records.every((r) => typeof r === 'object' && r !== null && same((r as Json).AcceptKey, key));
      if (!keyed) {
        log(`${spec.api} refused: AcceptKey invalid`);
        return json(401, { error_code: 401, ...says('badKey') });
      }
      // AcceptKey is transport, not data: strip it before checking and storing.
      records = records.map((r) => {
        const { AcceptKey: _k, ...rest } = r as Json;
        return rest;
      });
    }
    const request = state.nextRequest();
    // D20: the deployed system reads the deployed superset, and the submission date only as it spells it
    // (SubmitedDate): "SubmittedDate" is a property it does not have, so the date is missing.
    const table = deployed ? operation(spec.id, 'deployed') : spec;
    if (deployed && spec.id === 'dossier') {
      records = records.map((r) => {
        if (typeof r !== 'object' || r === null || Array.isArray(r)) return r;
        const { SubmittedDate: _ignored, SubmitedDate: date, ...rest } = r as Json;
        return date === undefined ? rest : { ...rest, SubmittedDate: date };
      });
    }
    const errors = validate(table, records, settings, faults.rejectMaHoSo).map((e) => (deployed && e.field === 'SubmittedDate' ? { ...e, field: 'SubmitedDate' } : e));
    if (errors.length) {
      const bad = [...new Set(errors.map((e) => e.index))];
      log(`${spec.api} #${request} rejected: ${records.length} record(s), bad ${bad.map((i) => `[${i}] ${errors.find((e) => e.index === i)?.MaHoSo ?? '-'}`).join(', ')}`);
      // Deployed: one string naming the fields, no list of errors.
      if (deployed) return json(200, { error_code: '1', message: [...new Set(errors.map((e) => `${e.field ?? 'Dữ liệu'} ${e.message}`))].join('; ') });
      return json(200, { error_code: 1, ...summary(errors), errors });
    }
    const there = deployed && spec.id === 'dossier' ? (records as Json[]).find((r) => state.holds(spec.id, r.MaHoSo)) : undefined;
    if (there) {
      log(`${spec.api} #${request} refused: ${String(there.MaHoSo)} already exists`);
      return json(200, { error_code: '3', message: `Hồ sơ ${String(there.MaHoSo)} đã tồn tại trên hệ thống` });
    }
    state.store(spec.id, records as Json[], request);
    log(`${spec.api} #${request} stored ${records.length} record(s): ${records.map((r) => (r as Json).MaHoSo).join(', ')}`);
    if (deployed) return json(200, spec.id === 'decision' ? { result: { error_code: 0, message: 'Thành công' } } : { error_code: '0', message: 'Thành công' });
    return json(200, { error_code: 0, ...says('ok'), received: records.length });
  }

  /**
   * D22: the dossiers registered at the ministry in a window, for the province's units, as the
   * deployed system answers: the static key as Bearer and as AcceptKey, times dd/MM/yyyy
   * HH:mm:ss (Vietnam), the answer inside {"result": {...}}.
   */
  async function pull(req: IncomingMessage): Promise<Answer> {
    const body = parseJson(await readBody(req)) as Json | null;
    if (!same(bearer(req.headers.authorization), key) || !body || typeof body !== 'object' || !same(body.AcceptKey, key)) {
      log('DanhSachHoSo refused: AcceptKey invalid');
      return json(401, { error_code: 401, ...says('badKey') });
    }
    const from = vnTime(body.ThoiGianBatDau);
    const to = vnTime(body.ThoiGianKetThuc);
    const bad = (message: string) => json(200, { result: { error_code: 1, message, data: [] } });
    if (from === undefined || to === undefined || to < from) return bad('ThoiGianBatDau, ThoiGianKetThuc không hợp lệ (dd/MM/yyyy HH:mm:ss)');
    if (typeof body.MaTinh !== 'string' || !body.MaTinh) return bad('MaTinh là bắt buộc');
    const q = { from, to, MaTinh: body.MaTinh, MaHuyen: typeof body.MaHuyen === 'string' ? body.MaHuyen : undefined, MaXa: typeof body.MaXa === 'string' ? body.MaXa : undefined };
    const data = select(ministry, q).map((m) => pulled(m.record));
    log(`DanhSachHoSo ${String(body.ThoiGianBatDau)} – ${String(body.ThoiGianKetThuc)} ${q.MaTinh}: ${data.length} dossier(s)`);
    return json(200, { result: { error_code: 0, message: 'Thành công', data } as unknown as Json });
  }

  /** The BTXH-facing routes; undefined = not an API path. */
  function route(method: string, path: string): { name: string; run: (req: IncomingMessage) => Promise<Answer> } | undefined {
    if (path === `${GATEWAY}/token`) return { name: 'gatewayToken', run: gatewayToken };
    let viaGateway = false;
    if (path.startsWith(`${GATEWAY}/`)) {
      viaGateway = true;
      path = path.slice(GATEWAY.length);
    }
    let name: string | undefined;
    let run: ((req: IncomingMessage) => Promise<Answer>) | undefined;
    if (path === `${SERVICE}GetToken`) {
      name = 'GetToken';
      run = getToken;
    } else if (path === `${SERVICE}DanhSachHoSo`) {
      name = 'DanhSachHoSo';
      run = pull;
    } else {
      const base = path.startsWith(SERVICE) ? SERVICE : path.startsWith(KEYED) ? KEYED : undefined;
      const spec = base ? opOf(path.slice(base.length)) : undefined;
      if (!spec) return undefined;
      name = base === KEYED ? `apiBTXH/${spec.api}` : spec.api;
      run = (req) => sync(req, spec, base === KEYED ? 'key' : 'token');
    }
    const inner = run;
    const guarded = async (req: IncomingMessage): Promise<Answer> => {
      if (method !== 'POST') return json(405, { error_code: 405, ...says('method') }, { allow: 'POST' });
      // D16 (c): the gateway wants its own Bearer token on top of the BTXH credentials.
      if (viaGateway && !gatewayTokens.valid(bearer(req.headers.authorization))) {
        log(`gateway refused ${name}: Bearer token invalid or expired`);
        return json(401, { error_code: 401, error: 'invalid_token', ...says('badBearer') }, { 'www-authenticate': 'Bearer error="invalid_token"' });
      }
      // A gateway that also wants static headers (an API key): each must be there with its value.
      const missing = viaGateway ? Object.keys(gateway.headers ?? {}).find((h) => !same(String(req.headers[h.toLowerCase()] ?? ''), gateway.headers![h])) : undefined;
      if (missing) {
        log(`gateway refused ${name}: header ${missing} missing or wrong`);
        return json(401, { error_code: 401, error: 'invalid_header', ...says('badBearer') });
      }
      if (viaGateway && gateway.accessJson && !sameJson(decode64(String(req.headers.lgspaccesstoken ?? '')), gateway.accessJson)) {
        log(`gateway refused ${name}: lgspaccesstoken is not the Base64 of the expected credentials`);
        return json(401, { error_code: 401, error: 'invalid_header', ...says('badBearer') });
      }
      return inner(req);
    };
    return { name: viaGateway ? `gateway/${name}` : name, run: guarded };
  }

  /** Test controls: never delayed nor cut by faults, so a test can always switch them off. */
  async function control(req: IncomingMessage, url: URL): Promise<Answer | undefined> {
    const method = req.method ?? 'GET';
    switch (url.pathname) {
      case '/':
        if (method !== 'GET') return json(405, { error_code: 405, ...says('method') });
        return { status: 200, body: page(state.list(), state.counts(), faults), headers: { 'content-type': 'text/html; charset=utf-8' } };
      case '/_sandbox/faults':
        if (method === 'POST') {
          try {
            faults = parseFaults(parseJson(await readBody(req)));
          } catch (e) {
            if (e instanceof BodyError) throw e;
            return json(400, { error: (e as Error).message });
          }
          log(`faults set: ${JSON.stringify(faults)}`);
        }
        return json(200, faults as Json);
      case '/_sandbox/expire-tokens':
        if (method !== 'POST') return json(405, { error_code: 405, ...says('method') });
        api.expireTokens();
        return json(200, { ok: true });
      case '/_sandbox/ministry': {
        // D22: dossiers registered on the BTXH side (a JSON array of records), for a pull to find.
        if (method !== 'POST') return json(405, { error_code: 405, ...says('method') });
        const list = parseJson(await readBody(req));
        if (!Array.isArray(list) || list.some((r) => !r || typeof r !== 'object' || Array.isArray(r))) return json(400, { error: 'a JSON array of records' });
        api.register(list as Record<string, unknown>[]);
        return json(200, { registered: list.length });
      }
      case '/_sandbox/reset':
        if (method !== 'POST') return json(405, { error_code: 405, ...says('method') });
        api.reset();
        return json(200, { ok: true });
      case '/_sandbox/records': {
        const name = url.searchParams.get('op') ?? undefined;
        let op: OperationId | undefined;
        try {
          op = name ? operation(name).id : undefined;
        } catch {
          return json(400, { error: `unknown op: ${name}` });
        }
        const limit = Number(url.searchParams.get('limit') ?? 0);
        let list = state.list(op, Number.isInteger(limit) && limit > 0 ? limit : 0);
        // Personal ids leave the sandbox masked unless a test asks for the raw records.
        if (url.searchParams.get('raw') !== '1') list = list.map(masked);
        return json(200, { records: list, counts: state.counts() });
      }
      default:
        return undefined;
    }
  }

  function write(res: ServerResponse, a: Answer): void {
    if (res.destroyed || res.headersSent) return;
    const html = typeof a.body === 'string';
    res.writeHead(a.status, {
      'content-type': html ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      ...a.headers,
    });
    res.end(html ? a.body : JSON.stringify(a.body));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const controlled = await control(req, url);
    if (controlled) return write(res, controlled);

    const r = route(req.method ?? 'GET', url.pathname);
    if (!r) return write(res, json(404, { error_code: 404, ...says('notFound') }));
    count(r.name);

    const v = verdict(faults);
    if (v.kind === 'drop') {
      log(`${r.name} dropped (outage)`);
      req.socket.destroy();
      return;
    }
    let answer: Answer;
    if (v.kind === '429') {
      answer = json(429, { error_code: 429, ...says('tooMany', { s: v.retryAfterS }) }, { 'retry-after': String(v.retryAfterS) });
      log(`${r.name} answered 429`);
    } else if (v.kind === '503') {
      answer = json(503, { error_code: 503, ...says('busy') });
      log(`${r.name} answered 503`);
    } else {
      answer = await r.run(req);
    }
    // The request is processed on arrival and answered late: a client that gives up
    // early may still have been heard (at-least-once), as with a slow real server.
    const latency = faults.latencyMs ?? 0;
    if (latency > 0) {
      answer.headers = { ...answer.headers, 'x-sandbox-latency': String(latency) };
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          timers.delete(t);
          resolve();
        }, latency);
        timers.add(t);
      });
    }
    write(res, answer);
  }

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((e: unknown) => {
      if (e instanceof BodyError) return write(res, json(e.status, { error_code: e.status === 413 ? 413 : 1, ...says(e.key) }, e.status === 413 ? { connection: 'close' } : undefined));
      log(`internal error: ${(e as Error).message}`);
      write(res, json(500, { error_code: 500, ...says('internal') }));
    });
  };
  const server = opts.tls ? createTlsServer({ ...opts.tls }, handler) : createServer(handler);

  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  // A wildcard bind is reachable on loopback; an IPv6 literal needs brackets in a URL.
  const shown = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;

  const api: Sandbox = {
    url: `${opts.tls ? 'https' : 'http'}://${shown}:${port}`,
    port,
    stats,
    close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
    records(op?: string) {
      return state.list(op ? operation(op).id : undefined);
    },
    counts() {
      return state.counts();
    },
    faults(f?: Faults) {
      if (f !== undefined) faults = parseFaults(f);
      return structuredClone(faults);
    },
    tokens() {
      return [...tokens.issued];
    },
    register(records, at = Date.now()) {
      for (const record of records) {
        // One row per dossier, as at the ministry: registering a MaHoSo again updates it (and its time).
        const there = ministry.findIndex((m) => m.record.MaHoSo === record.MaHoSo);
        if (there >= 0) ministry.splice(there, 1);
        ministry.push({ record: structuredClone(record), at });
      }
      log(`${records.length} dossier(s) registered at the ministry`);
    },
    expireTokens() {
      tokens.expireAll();
      gatewayTokens.expireAll();
      log('all tokens expired');
    },
    reset() {
      state.clear();
      ministry.length = 0;
      faults = {};
      stats.tokens = 0;
      for (const k of Object.keys(stats.requests)) delete stats.requests[k];
      log('reset');
    },
  };
  return api;
}

/** The JSON object a Base64 text holds, or undefined. */
function decode64(text: string): unknown {
  try {
    return JSON.parse(Buffer.from(text, 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Same keys, same string values (the order a client writes them in does not matter). */
function sameJson(got: unknown, want: Record<string, string>): boolean {
  if (!got || typeof got !== 'object' || Array.isArray(got)) return false;
  const g = got as Record<string, unknown>;
  return Object.keys(g).length === Object.keys(want).length && Object.entries(want).every(([k, v]) => g[k] === v);
}
