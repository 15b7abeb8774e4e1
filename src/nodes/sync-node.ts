import { asEngineResult } from '../lib/client';
import { Sender } from '../lib/engine/sender';
import { hashOf, keyOf } from '../lib/engine/key';
import type { OperationSpec } from '../lib/fields';
import { maskId } from '../lib/mask';
import { prepareMapped } from '../lib/mapping';
import { problem, type Problem } from '../lib/problem';
import type { Entry, NewEntry, ReplayFilter } from '../lib/outbox/store';
import type { AuthNode } from './btxh-auth';
import { renderProblem, T } from './i18n';
import { compileMapping, type Mapping } from './mapping';
import { syncSettings } from './config';
import { int, num } from './props';
import type { Node, NodeMessage, Red, Send } from './red';

/**
 * One factory for every sync node (btxh-dossier, btxh-progress,
 * btxh-decision): the operation's field table is the only difference. The
 * node reads msg, normalises and validates each record, hands the valid ones
 * to the outbox and reports outcomes on two outputs: 1 "sent" per delivered
 * batch, 2 "not sent" per record.
 */

export interface SyncConfig {
  id: string;
  name?: string;
  auth: string;
  batchSize?: number | string;
  concurrency?: number | string;
  attempts?: number | string;
  backoffBase?: number | string;
  backoffMax?: number | string;
  dateFormats?: string;
  resend?: boolean;
  checkUrl?: boolean;
  unreachableAfter?: number | string;
  /** Seconds a claim holds its entries (default 300). With a shared PostgreSQL outbox this is how long the records of a killed instance wait; keep it well above the connection timeout. */
  lease?: number | string;
  mapping?: Mapping;
}

/** How long the oldest record has waited, short enough for a node status: "40 s", "12 min", "3 h". */
export function age(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}

/** A record shown in a warning or log: its key, with the personal id masked. */
export function describe(record: unknown): string {
  const r = (record ?? {}) as Record<string, unknown>;
  const id = r.CMND ?? r.cmnd;
  return [r.MaHoSo ?? r.mahoso, id === undefined ? undefined : maskId(id)].filter((x) => x !== undefined).join(' / ');
}

export function registerSyncNode(RED: Red, type: string, op: OperationSpec): void {
  function SyncNode(this: Node, config: SyncConfig) {
    RED.nodes.createNode(this, config);
    const node = this;
    const auth = RED.nodes.getNode(config.auth) as AuthNode | null;
    const broken = !auth ? T(RED, 'status.noAuth') : auth.configProblem ? renderProblem(RED, auth.configProblem).message : undefined;
    if (!auth || broken) {
      // Not acknowledged: done(err) reaches Catch nodes, and the record is not lost silently.
      node.status({ fill: 'red', shape: 'ring', text: broken });
      node.on('input', (_msg, _send, done) => done(new Error(broken)));
      return;
    }
    const settings = syncSettings(auth.settings, config.dateFormats);
    const counts = { sent: 0, invalid: 0, skipped: 0 };
    const map = compileMapping(RED, node, op, config.mapping);
    let unreachable = false;

    const sender = new Sender({
      store: auth.store(),
      owner: node.id,
      op,
      send: async (records) => asEngineResult(await auth.connection!.send(op.api, records)),
      batchSize: int(config.batchSize, 50),
      concurrency: int(config.concurrency, 2),
      attempts: int(config.attempts, 5),
      backoff: { baseMs: int(config.backoffBase, 1000, 0), maxMs: int(config.backoffMax, 60_000, 0) },
      // Minutes, fractions allowed (0.5 = 30 s).
      unreachableAfterMs: Math.round(num(config.unreachableAfter, 5, 0) * 60_000),
      leaseMs: int(config.lease, 300) * 1000,
    });

    const notSent = (original: unknown, reason: string, problems: Problem[], extra: Record<string, unknown> = {}): NodeMessage => ({
      payload: original,
      btxh: { operation: op.api, reason, errors: problems.map((p) => renderProblem(RED, p)), ...extra },
    });

    let statusTimer: NodeJS.Timeout | undefined;
    const showStatus = () => {
      if (statusTimer) return;
      // Coalesce: a batch of 5,000 records must not repaint the editor 5,000 times.
      statusTimer = setTimeout(() => {
        statusTimer = undefined;
        sender.counts().then(
          (c) => {
            const values = { sent: counts.sent, waiting: c.waiting, inflight: sender.inFlight, dead: c.dead, invalid: counts.invalid, oldest: age(c.oldestMs) };
            const text = T(RED, c.waiting > 0 ? 'status.countsWaiting' : 'status.counts', values);
            const fill = unreachable ? 'yellow' : c.dead + counts.invalid > 0 ? 'red' : c.waiting + sender.inFlight > 0 ? 'blue' : 'green';
            node.status({ fill, shape: sender.inFlight > 0 ? 'ring' : 'dot', text });
          },
          () => undefined,
        );
      }, 200);
      statusTimer.unref?.();
    };

    // A request still on the wire when stop() gave up may answer after close: its entries were
    // already released (and, with a memory queue, reported on output 2), so late events are ignored.
    let closed = false;
    sender.on('delivered', (entries: Entry[], info: { status: number; body: unknown; attempts: number }) => {
      if (closed) return;
      counts.sent += entries.length;
      node.send([
        {
          payload: entries.map((e) => e.record),
          btxh: { operation: op.api, status: info.status, response: info.body, attempts: info.attempts, keys: entries.map((e) => e.key) },
        },
        null,
      ]);
      showStatus();
    });
    sender.on('dead', (entry: Entry, reason: string, problems: Problem[]) => {
      if (closed) return;
      node.send([null, notSent(entry.original, reason, problems, { key: entry.key, attempts: entry.attempts })]);
      node.warn(T(RED, 'warn.notSent', { record: describe(entry.record), reason }));
      showStatus();
    });
    sender.on('change', showStatus);
    sender.on('unreachable', (sinceMs: number, p: Problem) => {
      unreachable = true;
      const text = T(RED, 'warn.unreachable', { minutes: Math.round(sinceMs / 60_000) });
      // node.error with a msg reaches Catch nodes; the status reaches Status nodes.
      node.error(text, { payload: { sinceMs }, btxh: { operation: op.api, reason: 'unreachable', errors: [renderProblem(RED, p)] } });
      showStatus();
    });
    sender.on('reachable', () => {
      unreachable = false;
      showStatus();
    });
    sender.on('storeError', (err: Error) => node.error(T(RED, 'warn.storeError', { message: err.message })));

    async function control(msg: NodeMessage, send: Send): Promise<void> {
      if (msg.topic === 'replay') {
        const p = (msg.payload ?? {}) as { keys?: string[]; reason?: 'rejected' | 'undeliverable' };
        const replayed = await sender.replay({ keys: Array.isArray(p.keys) ? p.keys : undefined, reason: p.reason });
        send([{ ...msg, payload: { replayed } }, null]);
      } else {
        const c = await sender.counts();
        const dead = await auth!.store().deadLetters(node.id, 100);
        send([
          {
            ...msg,
            payload: {
              ...c,
              inflight: Math.max(c.inflight, sender.inFlight),
              sent: counts.sent,
              skipped: counts.skipped,
              queue: auth!.queueKind,
              deadLetters: dead.map((e) => ({ key: e.key, reason: e.reason, attempts: e.attempts, acceptedAt: e.createdAt, deadAt: e.deadAt, errors: (e.lastError ?? []).map((p) => renderProblem(RED, p)) })),
            },
          },
          null,
        ]);
      }
    }

    async function handle(msg: NodeMessage, send: Send): Promise<void> {
      if (msg.topic === 'replay' || msg.topic === 'status') return control(msg, send);
      const inputs = Array.isArray(msg.payload) ? msg.payload : [msg.payload];
      const entries: NewEntry[] = [];
      const invalid: NodeMessage[] = [];
      for (const original of inputs) {
        // Kept in memory only, for the editor's live preview ("take the last record").
        (node as Node & { lastRecord?: unknown }).lastRecord = original;
        const prepared = prepareMapped(op, await map(original, msg), settings);
        let errors = prepared.errors;
        if (!errors.length && config.checkUrl && op.id === 'decision') {
          const url = String(prepared.record?.Url ?? '');
          const check = await auth!.connection!.checkDocument(url);
          if (!check.ok) errors = [problem('Url', check.code ?? 'documentCheck', { status: check.status ?? 0, contentType: check.contentType ?? '' })];
        }
        if (errors.length || !prepared.record) {
          invalid.push(notSent(original, 'invalid', errors, { warnings: prepared.warnings.map((p) => renderProblem(RED, p)) }));
          continue;
        }
        for (const w of prepared.warnings) node.debug(`${describe(prepared.record)}: ${renderProblem(RED, w).message}`);
        entries.push({
          owner: node.id,
          op: op.id,
          key: keyOf(op, prepared.record),
          hash: hashOf(prepared.record),
          record: prepared.record,
          original,
          meta: msg._msgid ? { _msgid: msg._msgid } : undefined,
        });
      }
      counts.invalid += invalid.length;
      for (const m of invalid) send([null, m]);
      if (entries.length) {
        // Resolves only once a durable store has committed: then, and only then, is the input acknowledged.
        const result = await sender.accept(entries, { resend: config.resend === true });
        counts.skipped += result.skipped.length;
        if (result.skipped.length) node.log(T(RED, 'log.skipped', { count: result.skipped.length }));
      }
      showStatus();
    }

    // Used by the editor's "Replay dead letters" button (btxh-auth registers the endpoint).
    (node as Node & { replay?: (f?: ReplayFilter) => Promise<number> }).replay = (f) => sender.replay(f);

    node.on('input', (msg, send, done) => {
      handle(msg, send).then(
        () => done(),
        // Not acknowledged. An outbox failure carries a problem: the Catch node and
        // the log get "the outbox is full… nothing was written", not only the driver's words.
        (err: Error & { problem?: Problem }) =>
          done(err.problem ? Object.assign(new Error(renderProblem(RED, err.problem).message), { problem: err.problem, cause: err }) : err),
      );
    });

    let resolveStopped!: () => void;
    auth.use(new Promise<void>((r) => (resolveStopped = r)));

    node.on('close', (_removed, done) => {
      if (statusTimer) clearTimeout(statusTimer);
      (async () => {
        await sender.stop({ timeoutMs: 10_000 });
        closed = true;
        if (auth.queueKind === 'memory') {
          // Nothing survives a memory queue: what is still waiting leaves on output 2, never silently.
          const store = auth.store();
          const left = await store.claim(node.id, Number.MAX_SAFE_INTEGER, 60_000);
          const p = problem(null, 'shutdown');
          if (left.length) await store.dead(left.map((e) => e.id), 'undeliverable', [p]);
          for (const e of left) node.send([null, notSent(e.original, 'undeliverable', [p], { key: e.key, attempts: e.attempts })]);
        }
      })()
        .catch((err: Error) => node.warn(T(RED, 'warn.storeError', { message: err.message })))
        .finally(() => {
          node.status({});
          resolveStopped();
          done();
        });
    });

    sender.start();
    showStatus();
  }

  RED.nodes.registerType(type, SyncNode);
}
