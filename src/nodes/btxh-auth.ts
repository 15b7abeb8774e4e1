import { EventEmitter } from 'events';
import { join } from 'path';
import { tmpdir } from 'os';
import { ConfigError, Connection, type Api } from '../lib/client';
import { Circuit } from '../lib/engine/circuit';
import type { Problem } from '../lib/problem';
import { createStore } from '../lib/outbox';
import { KEEP_DELIVERED_DAYS, Retention } from '../lib/outbox/retention';
import type { Store } from '../lib/outbox/store';
import type { Settings } from '../lib/settings';
import { connectionConfig, connectionSettingsProblem, CONNECTION_SECRETS, destination, exposedHeaders, settingsOf, UNCHANGED, type AuthCredentials, type AuthProps } from './config';
import { num } from './props';
import { renderProblem, T } from './i18n';
import type { Node, Red } from './red';
import { dossierOf, historyOf, type History } from './history';
import { runTrial, trialHtml } from '../lib/trial';
import { reportAnswer } from './report';

/**
 * btxh-auth: one connection to a BTXH endpoint. It owns what must be shared by
 * every node that uses it — the HTTP connection with its single token (D11)
 * and the outbox — and hands nodes a `send`, never the token.
 */

interface AuthConfig extends AuthProps {
  id: string;
  name?: string;
  queue?: 'sqlite' | 'postgres' | 'memory';
  queueFile?: string;
  synchronous?: 'FULL' | 'NORMAL';
  /** Days a delivery's key, hash and time are kept (the record's personal data goes at once). */
  keepDelivered?: number | string;
}

export interface AuthNode extends Node {
  /** Absent when the configuration is unusable (then `configProblem` says why). */
  connection?: Connection;
  configProblem?: Problem;
  settings: Settings;
  queueKind: 'sqlite' | 'postgres' | 'memory';
  /** The outbox, opened on first use so an unused connection opens no database; throws (with a `problem`) when it cannot be opened. */
  store(): Store;
  /** The health of one operation on this connection, shared by every sync node that sends to it. */
  circuit(api: Api): Circuit;
  /** Sync nodes register so the store is closed only after they have stopped. */
  use(stopped: Promise<void>): void;
  /** Where this node's secrets go (`destination` in ./config), as deployed. */
  destination: string;
  /** The BTXH address as deployed: what a trial connection must be confirmed against. */
  baseUrl: string;
  /** Sync nodes tell a btxh-source what became of its pages here ('page', PageResult). */
  pages: EventEmitter;
}

/** Test connection's answer when a saved secret would go to a new address (a code of the answer, not a Problem). */
const RETYPE = 'retype';
/** Test connection's answer when a setting of the dialog is wrong: its Problem goes along. */
const CONFIG = 'config';
/** The causes Test connection can name (btxh-auth.test.answer.<cause>); any other is "other". */
const ANSWERS = ['retype', 'authFailed', 'refused', 'unknownHost', 'reset', 'network', 'timeout', 'plainHttp', 'tls', 'proxy', 'redirect', 'serverError', 'rateLimited', 'notFound', 'http', 'notBtxh', 'badResponse', 'busy', 'apiError'];

module.exports = function (RED: Red) {
  /**
   * The connection of these settings, for the node and for Test connection alike. A mistyped
   * mapping or header list would send records unmapped: it is a ConfigError, as a bad address is.
   */
  function connect(props: AuthProps, creds: AuthCredentials): Connection {
    const bad = connectionSettingsProblem(RED, props, creds);
    if (bad) throw new ConfigError(bad);
    return new Connection(connectionConfig(RED, props, creds));
  }

  function BtxhAuth(this: AuthNode, config: AuthConfig) {
    RED.nodes.createNode(this, config);
    const node = this;
    const creds = (node.credentials ?? {}) as AuthCredentials;
    node.settings = settingsOf(config);
    node.destination = destination(config);
    node.baseUrl = String(config.baseUrl ?? '').trim();
    node.pages = new EventEmitter();
    // One listener per btxh-source using this connection: a province may have many.
    node.pages.setMaxListeners(0);
    try {
      node.connection = connect(config, creds);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      // An empty or malformed address must not stop the flow from starting: the sync nodes show it.
      node.configProblem = err.problem;
      node.error(renderProblem(RED, err.problem).message);
    }
    node.queueKind = config.queue ?? 'sqlite';
    const exposed = exposedHeaders(config);
    if (exposed.length) node.warn(T(RED, 'auth.exposedHeaders', { headers: exposed.join(', ') }));

    let store: Store | undefined;
    let retention: Retention | undefined;
    node.store = () => {
      if (!store) {
        const userDir = (RED.settings.userDir as string | undefined) ?? tmpdir();
        store = createStore(node.queueKind, {
          file: config.queueFile?.trim() || join(userDir, `btxh-outbox-${node.id.replace(/[^\w.-]/g, '_')}.sqlite`),
          synchronous: config.synchronous ?? 'FULL',
          connectionString: creds.pgConnection,
        });
        retention = new Retention(store, num(config.keepDelivered, KEEP_DELIVERED_DAYS, 1), (err) =>
          node.warn(T(RED, 'auth.retentionFailed', { message: err.message })),
        );
        retention.start();
      }
      return store;
    };

    const circuits = new Map<Api, Circuit>();
    // Minutes, fractions allowed; at least a second between probes.
    const probeMaxMs = Math.max(1000, Math.round(num(config.probeMax, 5, 0) * 60_000));
    node.circuit = (api) => {
      let c = circuits.get(api);
      if (!c) circuits.set(api, (c = new Circuit({ probeMaxMs })));
      return c;
    };

    const users: Promise<void>[] = [];
    node.use = (stopped) => users.push(stopped);

    node.on('close', (_removed, done) => {
      // Sync nodes stop in parallel with us: wait for them before closing what they use.
      Promise.allSettled(users)
        .then(() => retention?.stop())
        .then(() => store?.close())
        .catch((err: Error) => node.warn(T(RED, 'auth.closeFailed', { message: err.message })))
        .finally(() => {
          for (const c of circuits.values()) c.close();
          node.connection?.close();
          done();
        });
    });
  }

  RED.nodes.registerType('btxh-auth', BtxhAuth, {
    credentials: {
      username: { type: 'text' },
      password: { type: 'password' },
      key: { type: 'password' },
      gatewayClientId: { type: 'text' },
      gatewayClientSecret: { type: 'password' },
      gatewayAccessToken: { type: 'password' },
      gatewaySecretHeaders: { type: 'password' },
      pgConnection: { type: 'password' },
    },
  });

  /** The "Replay dead letters" button of the sync nodes' dialog. */
  RED.httpAdmin.post('/btxh/:id/replay', RED.auth.needsPermission('btxh-auth.write'), async (req: any, res: any) => {
    const target = RED.nodes.getNode(req.params.id) as { replay?: (f?: unknown) => Promise<number> } | null;
    if (!target?.replay) return res.status(404).json({ error: 'not deployed' });
    try {
      res.json({ replayed: await target.replay(req.body ?? {}) });
    } catch (err) {
      const p = (err as { problem?: Problem }).problem;
      res.status(p ? 400 : 500).json({ error: (err as Error).message });
    }
  });

  /**
   * The journal of one dossier (MaHoSo), from a sync node's or a connection's outbox:
   * `GET /btxh/<node id>/history?dossier=<MaHoSo>`. Ids masked; read permission.
   */
  RED.httpAdmin.get('/btxh/:id/history', RED.auth.needsPermission('btxh-auth.read'), async (req: any, res: any) => {
    const target = RED.nodes.getNode(req.params.id) as (AuthNode & { history?: (d: unknown) => Promise<History> }) | null;
    const ask = target?.history ?? (target?.type === 'btxh-auth' && !target.configProblem ? (d: unknown) => historyOf(RED, target.store(), dossierOf(RED, d)) : undefined);
    if (!ask) return res.status(404).json({ error: 'not deployed' });
    try {
      res.json(await ask(req.query?.dossier));
    } catch (err) {
      const p = (err as { problem?: Problem }).problem;
      res.status(p && p.code === 'historyDossier' ? 400 : 500).json({ error: (err as Error).message });
    }
  });

  /**
   * "Kết nối thử nghiệm" (the seed's step 2): synthetic records through every operation of a
   * deployed connection, and a dated report of what BTXH answered. Only with `confirm` equal to
   * the deployed BTXH address: it never runs against an address the user has not confirmed.
   */
  RED.httpAdmin.post('/btxh-auth/trial', RED.auth.needsPermission('btxh-auth.write'), async (req: any, res: any) => {
    const body = (req.body ?? {}) as { id?: unknown; confirm?: unknown };
    const node = typeof body.id === 'string' ? (RED.nodes.getNode(body.id) as AuthNode | null) : null;
    if (!node || node.type !== 'btxh-auth') return res.status(404).json({ error: T(RED, 'trialAnswer.notDeployed') });
    if (!node.connection) return res.status(400).json({ error: node.configProblem ? renderProblem(RED, node.configProblem).message : T(RED, 'trialAnswer.notDeployed') });
    if (typeof body.confirm !== 'string' || body.confirm.trim() !== node.baseUrl) return res.status(400).json({ error: T(RED, 'trialAnswer.confirm', { url: node.baseUrl }) });
    try {
      const result = await runTrial(node.connection, { endpoint: node.baseUrl, settings: node.settings });
      node.log(T(RED, 'trialAnswer.log', { url: node.baseUrl, passed: String(result.passed), steps: result.steps.length }));
      res.json({ result, html: { vi: trialHtml(result, 'vi'), en: trialHtml(result, 'en-US') } });
    } catch (err) {
      res.status(500).json({ error: (err as Error).message });
    }
  });

  /**
   * The report for the ministry of a connection (a btxh-auth node or any of its sync nodes):
   * `GET /btxh/<node id>/report?month=2026-11&format=html&lang=vi` (or day=, from=&to=;
   * format json, csv or html). Read permission; no record content, ids masked.
   */
  RED.httpAdmin.get('/btxh/:id/report', RED.auth.needsPermission('btxh-auth.read'), async (req: any, res: any) => {
    const found = RED.nodes.getNode(req.params.id) as (Node & { auth?: string }) | null;
    const conn = (found?.type === 'btxh-auth' ? found : found ? RED.nodes.getNode((found as { authId?: string }).authId ?? '') : null) as AuthNode | null;
    if (!conn || conn.type !== 'btxh-auth' || conn.configProblem) return res.status(404).json({ error: 'not deployed' });
    const q = (req.query ?? {}) as Record<string, string>;
    const ask: Record<string, string> = {};
    for (const k of ['month', 'day', 'from', 'to', 'format', 'lang']) if (typeof q[k] === 'string' && q[k] !== '') ask[k] = q[k];
    try {
      const r = await reportAnswer(RED, conn.store(), ask, { connection: conn.name || conn.baseUrl });
      res.set('Content-Type', r.contentType);
      if (r.format === 'csv' || r.format === 'xlsx') res.set('Content-Disposition', `attachment; filename="${r.filename}"`);
      res.send(typeof r.body === 'string' || Buffer.isBuffer(r.body) ? r.body : JSON.stringify(r.body));
    } catch (err) {
      const p = (err as { problem?: Problem }).problem;
      res.status(p && (p.code === 'reportPeriod' || p.code === 'reportFormat') ? 400 : 500).json({ error: (err as Error).message });
    }
  });

  // The sync nodes' "Fields" tab: field tables, presets and the live preview (src/nodes/preview.ts).
  require('./preview').registerPreview(RED);

  /**
   * "Test connection" in the edit dialog. It takes the values typed in the
   * dialog, so it works before the first deploy. A secret left unchanged is
   * sent by the editor as a placeholder and taken from the deployed node — only
   * a deployed btxh-auth node, and only when the dialog's addresses, mode, TLS
   * and proxy are the ones deployed with it: a saved password never goes to an
   * address the caller typed. The answer is a short classified message, never
   * the remote server's body.
   */
  RED.httpAdmin.post('/btxh-auth/test', RED.auth.needsPermission('btxh-auth.write'), async (req: any, res: any) => {
    const body = (req.body ?? {}) as AuthProps & { id?: string; credentials?: AuthCredentials };
    const typed = (body.credentials ?? {}) as AuthCredentials;
    const deployed = typeof body.id === 'string' ? (RED.nodes.getNode(body.id) as AuthNode | null) : null;
    const same = !!deployed && deployed.type === 'btxh-auth' && deployed.destination === destination(body);
    const saved = (same && RED.nodes.getCredentials(body.id!)) || {};
    const creds: AuthCredentials = {};
    for (const k of CONNECTION_SECRETS) {
      const v = typed[k];
      if (v === UNCHANGED && !same) return res.json({ ok: false, code: RETYPE, cause: RETYPE, params: {}, message: T(RED, 'test.answer.retype') });
      creds[k] = v === undefined || v === UNCHANGED ? (saved as AuthCredentials)[k] : v;
    }
    let connection: Connection | undefined;
    try {
      connection = connect(body, creds);
      const r = await connection.test();
      if (r.ok) return res.json({ ok: true, message: r.message, detail: r.message, ...(r.status !== undefined ? { status: r.status } : {}) });
      const code = r.code ?? 'other';
      // The editor renders `cause` in its own language; `message` is the same in the runtime's (logs, API callers).
      const d = r.diagnosis ?? { cause: code, params: {}, detail: '' };
      const cause = ANSWERS.includes(d.cause) ? d.cause : 'other';
      const params = { ...d.params, code };
      res.json({ ok: false, code, ...(r.status !== undefined ? { status: r.status } : {}), cause, params, detail: d.detail, message: T(RED, `test.answer.${cause}`, params) });
    } catch (err) {
      if (!(err instanceof ConfigError)) return res.json({ ok: false, cause: 'other', params: { code: (err as Error).name }, message: (err as Error).message });
      // A setting of the dialog: said as its field's problem, rendered by the editor from the same catalogue.
      const p = err.problem;
      res.json({ ok: false, code: CONFIG, problem: { code: p.code, params: { field: p.field ?? '', ...p.params } }, message: renderProblem(RED, p).message });
    } finally {
      connection?.close();
    }
  });
};
