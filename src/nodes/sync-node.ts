import { DateTime } from 'luxon';
import { systemClock } from '../lib/clock';
import type { Connection } from '../lib/client';
import { DAY_MS, Sender, SENDER_DEFAULTS, type DeliveredInfo, type Precheck } from '../lib/engine/sender';
import { COMMIT_MAX, type Page } from '../lib/engine/commits';
import { encode, pageOf, positionOf, type PageRequest, type PageResult, type Position } from '../lib/source/cursor';
import { Turns } from '../lib/engine/turns';
import { operation, type OperationSpec } from '../lib/fields';
import { maskId } from '../lib/mask';
import { maskRecord, personalIds, prepareMapped } from '../lib/mapping';
import { render, type Lang } from '../lib/messages';
import { maskText } from '../lib/mask';
import { schema } from '../lib/schema';
import { boundedCopy, inspectShape } from '../lib/normalise/shape';
import { problem, type Problem } from '../lib/problem';
import * as P from '../lib/engine/problems';
import type { Counts, Entry, NewEntry, ReplayFilter } from '../lib/outbox/store';
import type { AuthNode } from './btxh-auth';
import { renderProblem, T } from './i18n';
import { outboxFor, refuseInputs } from './outbox';
import { dossierOf, historyOf } from './history';
import { reportAnswer } from './report';
import { dossierOfKey } from '../lib/outbox/journal';
import { compileMapping, type Mapping } from './mapping';
import { settingProblem, syncSettings } from './config';
import { migrateSync, type SyncConfig } from './migrate';
import { int, num } from './props';
import type { Node, NodeMessage, Red, Send } from './red';

/**
 * One factory for every sync node (btxh-dossier, btxh-progress,
 * btxh-decision): the operation's field table is the only difference. The
 * node reads msg, normalises and validates each record, hands the valid ones
 * to the outbox and reports outcomes on two outputs: 1 "sent" per delivered
 * batch, 2 "not sent" per record.
 */

export type { SyncConfig } from './migrate';

/** How long the oldest record has waited, short enough for a node status: "40 s", "12 min", "3 h". */
export function age(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}

/**
 * A node status short enough to stay under the node on the canvas: only the counts that are
 * not zero, "waiting 120 (3 min) · sent 7 · skipped 7"; every count is in the `status` answer.
 * While BTXH is down (`down`) only what waits and what failed is said, not what was sent.
 */
export function statusParts(RED: Red, c: Counts, inflight: number, invalid: number, down = false): string {
  const part = (key: string, n: number, extra: object = {}) => T(RED, `status.part.${key}`, { n, ...extra });
  const out: string[] = [];
  if (c.waiting > 0) out.push(part('waiting', c.waiting, { oldest: age(c.oldestMs) }));
  else if (inflight > 0) out.push(part('inflight', inflight));
  if (!down) out.push(part('sent', c.delivered));
  if (!down && c.skipped > 0) out.push(part('skipped', c.skipped));
  if (c.dead > 0) out.push(part('dead', c.dead));
  if (invalid > 0) out.push(part('invalid', invalid));
  return out.join(' · ');
}

/** Inputs that ask the node something instead of carrying records. */
const CONTROL: ReadonlySet<unknown> = new Set(['replay', 'status', 'history', 'report']);

function isControl(msg: NodeMessage): boolean {
  return CONTROL.has(msg.topic);
}

/** A clock time for the status, as people in Vietnam read it: "10:42" (with the date when not today). */
export function clockTime(at: number): string {
  const t = DateTime.fromMillis(at, { zone: 'Asia/Ho_Chi_Minh' });
  return t.hasSame(DateTime.now().setZone('Asia/Ho_Chi_Minh'), 'day') ? t.toFormat('HH:mm') : t.toFormat('dd/MM HH:mm');
}

/** A record shown in a warning or log: its key, with the personal id masked. */
export function describe(record: unknown): string {
  // Any input reaches here (a refused record included): only plain values are shown, and nothing may throw.
  const plain = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v).slice(0, 60) : undefined);
  try {
    const r = (record && typeof record === 'object' ? record : {}) as Record<string, unknown>;
    const id = plain(r.CMND ?? r.cmnd);
    return [plain(r.MaHoSo ?? r.mahoso), id === undefined ? undefined : maskId(id)].filter((x) => x !== undefined).join(' / ');
  } catch {
    return '';
  }
}

/** The decision's file link as a Precheck: refused for good, or not known now (tried again later). */
async function checkLink(connection: Connection, record: Record<string, unknown>, allowPrivate: boolean): Promise<Precheck> {
  const c = await connection.checkDocument(String(record.Url ?? ''), { allowPrivate });
  if (c.ok) return { ok: true };
  const params = { status: c.status ?? 0, contentType: c.contentType ?? '', reason: c.reason ?? '' };
  return { ok: false, transient: c.transient === true, problem: problem('Url', c.code ?? 'documentUnavailable', params) };
}

export function registerSyncNode(RED: Red, type: string, annex: OperationSpec): void {
  function SyncNode(this: Node, raw: SyncConfig) {
    // createNode needs the object Node-RED passed (it carries the flow, not as a copyable property).
    RED.nodes.createNode(this, raw);
    const config = migrateSync(raw);
    const node = this;
    const auth = RED.nodes.getNode(config.auth) as AuthNode | null;
    // D20: the field table of the connection's profile (the annex's, or the deployed superset).
    const op = auth?.settings ? operation(annex.id, auth.settings.profile) : annex;
    // The admin endpoints (report) find the node's connection by it.
    (node as Node & { authId?: string }).authId = config.auth;
    const opened = outboxFor(RED, auth);
    let broken = 'broken' in opened ? opened.broken : undefined;
    // A mistyped date-format setting is the node's own configuration problem, never ignored.
    const dates = op.fields.filter((f) => f.kind === 'date');
    const formats = broken ? undefined : settingProblem(RED, 'dateFormats', 'dateFormats', 'sync.dateFormats', config.dateFormats, dates, op);
    if (formats) broken = renderProblem(RED, formats).message;
    if (!auth || !('store' in opened) || broken) return refuseInputs(node, broken as string);
    const store = opened.store;
    const connection: AuthNode = auth;
    const settings = syncSettings(auth.settings, config.dateFormats);
    // settings.js logging.console.level "debug" or "trace": the per-record warnings are logged.
    const level = (RED.settings as { logging?: { console?: { level?: string } } } | undefined)?.logging?.console?.level;
    const debugging = level === 'debug' || level === 'trace';
    // The validator is compiled now, not while the first input waits.
    schema(op, { strict: settings.strict });
    // Records refused by validation since the node started (sent, skipped and dead are the outbox's, kept across restarts).
    const counts = { invalid: 0 };
    const map = compileMapping(RED, node, op, config.mapping);
    const outbox = store;

    const sender = new Sender({
      store: outbox,
      owner: node.id,
      op,
      send: (records, opts) => auth.connection!.send(op.api, records, opts),
      // One record per request (static key, bodyShape object): each record is its own batch, so an accepted one is marked at once.
      batchSize: Math.min(int(config.batchSize, SENDER_DEFAULTS.batchSize), auth.connection!.recordsPerRequest),
      concurrency: int(config.concurrency, SENDER_DEFAULTS.concurrency),
      // Days, fractions allowed.
      giveUpAfterMs: Math.round(num(config.giveUpAfter, SENDER_DEFAULTS.giveUpAfterMs / DAY_MS, 0) * DAY_MS),
      // Minutes, fractions allowed (0.5 = 30 s).
      unreachableAfterMs: Math.round(num(config.unreachableAfter, SENDER_DEFAULTS.unreachableAfterMs / 60_000, 0) * 60_000),
      leaseMs: int(config.lease, SENDER_DEFAULTS.leaseMs / 1000) * 1000,
      circuit: auth.circuit(op.api),
      // FileQuyetDinh option: the file link is looked at just before sending, within the node's concurrency.
      check: config.checkUrl && op.id === 'decision' ? (record) => checkLink(auth.connection!, record, config.checkPrivate === true) : undefined,
    });

    const notSent = (original: unknown, reason: string, problems: Problem[], extra: Record<string, unknown> = {}): NodeMessage => ({
      payload: original,
      // `record` names it for a reader of the debug sidebar: MaHoSo and the masked personal id.
      btxh: { operation: op.api, reason, record: describe(original), errors: problems.map((p) => renderProblem(RED, p)), ...extra },
    });

    let statusTimer: NodeJS.Timeout | undefined;
    const showStatus = () => {
      if (statusTimer) return;
      // Coalesce: a batch of 5,000 records must not repaint the editor 5,000 times.
      statusTimer = setTimeout(() => {
        statusTimer = undefined;
        sender.counts().then(
          (c) => {
            const health = sender.health();
            if (!health.up) {
              // The circuit counts on the monotonic clock; the status shows the wall-clock time it began.
              const since = clockTime(Date.now() - (systemClock.now() - health.since));
              const auth = health.failure.code === 'authFailed';
              const parts = statusParts(RED, c, 0, counts.invalid, true);
              node.status({ fill: auth ? 'red' : 'yellow', shape: 'ring', text: T(RED, auth ? 'status.authDown' : 'status.down', { since, parts }) });
              return;
            }
            const text = (outbox.damage ? T(RED, 'status.damaged') : '') + T(RED, 'status.counts', { parts: statusParts(RED, c, sender.inFlight, counts.invalid) });
            const fill = outbox.damage || c.dead + counts.invalid > 0 ? 'red' : c.waiting + sender.inFlight > 0 ? 'blue' : 'green';
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
    sender.on('delivered', (entries: Entry[], info: DeliveredInfo) => {
      if (closed) return;
      const btxh: Record<string, unknown> = { operation: op.api, status: info.status, response: info.body, attempts: info.attempts, keys: entries.map((e) => e.key) };
      if (info.already) btxh.already = true;
      if (info.recovered) {
        btxh.recovered = true;
        node.log(T(RED, 'log.recovered', { count: entries.length }));
      }
      node.send([{ payload: entries.map((e) => e.record), btxh }, null]);
      showStatus();
    });
    sender.on('dead', (entry: Entry, reason: string, problems: Problem[]) => {
      if (closed) return;
      node.send([null, notSent(entry.original, reason, problems, { key: entry.key, attempts: entry.attempts })]);
      node.warn(T(RED, 'warn.notSent', { record: describe(entry.record), reason }));
      showStatus();
    });
    sender.on('fenced', (ids: number[]) => node.log(T(RED, 'log.fenced', { count: ids.length })));
    sender.on('change', showStatus);
    sender.on('unreachable', (sinceMs: number, p: Problem) => {
      const text = T(RED, 'warn.unreachable', { minutes: Math.round(sinceMs / 60_000) });
      // One error per outage: node.error with a msg reaches Catch nodes; the status reaches Status nodes.
      node.error(text, { payload: { sinceMs }, btxh: { operation: op.api, reason: 'unreachable', errors: [renderProblem(RED, p)] } });
      showStatus();
    });
    sender.on('reachable', showStatus);
    sender.on('storeError', (err: Error) => node.error(T(RED, 'warn.storeError', { message: err.message })));

    async function control(msg: NodeMessage, send: Send): Promise<void> {
      if (msg.topic === 'report') {
        // The report of the whole connection (its outbox is shared by its sync nodes).
        const r = await reportAnswer(RED, outbox, msg.payload, { connection: auth!.name || auth!.baseUrl });
        const report = typeof r.body === 'string' || Buffer.isBuffer(r.body) ? { format: r.format } : r.body;
        send([{ ...msg, payload: r.body, filename: r.filename, btxh: { operation: op.api, report } }, null]);
      } else if (msg.topic === 'history') {
        // The journal of one dossier, every operation of the connection (its outbox is shared).
        const history = await historyOf(RED, outbox, dossierOf(RED, msg.payload));
        send([{ ...msg, payload: history, btxh: { operation: op.api, history } }, null]);
      } else if (msg.topic === 'replay') {
        const replayed = await sender.replay(replayFilter(msg.payload));
        send([{ ...msg, payload: { replayed }, btxh: { operation: op.api, replayed } }, null]);
      } else {
        const payload = { ...(await state()), deadLetters: await deadList(100) };
        // msg.btxh too, so a debug node showing msg.btxh (as the examples' do) shows the answer.
        send([{ ...msg, payload, btxh: { operation: op.api, counts: payload } }, null]);
      }
    }

    /** The node's queue and connection now: the `status` answer and the BTXH sidebar's line. */
    async function state() {
      const c = await sender.counts();
      const health = sender.health();
      return {
        ...c,
        inflight: Math.max(c.inflight, sender.inFlight),
        sent: c.delivered,
        invalid: counts.invalid,
        queue: auth!.queueKind,
        reachable: health.up,
        ...(health.up ? {} : { unreachableSince: Date.now() - (systemClock.now() - health.since), lastError: renderProblem(RED, P.sendFailed(health.failure)) }),
      };
    }

    /**
     * The oldest dead letters, as the status answer and the sidebar show them: what BTXH or the
     * checks said (with the fields they named), the record as sent and as received, ids masked.
     */
    async function deadList(limit: number, lang?: Lang) {
      const dead = await outbox.deadLetters(node.id, limit);
      // In the asker's language when it says one (the editor's), else in the runtime's.
      const show = (p: Problem) => (lang ? { field: p.field, code: p.code, message: maskText(render(p, lang)) } : renderProblem(RED, p));
      return dead.map((e) => {
        const ids = personalIds(op, e.record);
        return {
          entry: e.id, key: e.key, dossier: dossierOfKey(e.key), reason: e.reason, attempts: e.attempts, acceptedAt: e.createdAt, deadAt: e.deadAt,
          errors: (e.lastError ?? []).map(show),
          record: maskRecord(e.record, ids), original: maskRecord(e.original, ids),
        };
      });
    }

    /** What a Catch node and the log get for a failed input: the problem's message, not only the driver's words. */
    const failure = (err: Error & { problem?: Problem }): Error =>
      err.problem ? Object.assign(new Error(renderProblem(RED, err.problem).message), { problem: err.problem, cause: err }) : err;

    /**
     * One input, read in time slices (../lib/engine/turns.ts): every slice's valid records go to the
     * outbox as one part (committed with whatever else arrived in that turn), its invalid ones to
     * output 2, and the event loop gets its turn before the next slice. Resolves once every record
     * has been read and handed over; `committed` once every part is in the outbox (then, and only
     * then, is the input acknowledged).
     */
    async function handle(msg: NodeMessage, send: Send): Promise<{ committed: Promise<void> }> {
      if (isControl(msg)) {
        await control(msg, send);
        return { committed: Promise.resolve() };
      }
      const req = pageOf(msg.cursor);
      // A source's page of no rows is an empty array: nothing to read, but the source hears so.
      const inputs = Array.isArray(msg.payload) ? msg.payload : req && msg.payload === undefined ? [] : [msg.payload];
      const parts: Promise<void>[] = [];
      let entries: NewEntry[] = [];
      let invalid: NodeMessage[] = [];
      let failed: Error | undefined;
      let cut = false;
      const tally = { accepted: 0, skipped: 0, invalid: 0 };
      // A source's page (../lib/source/cursor.ts): its last row is where the next page starts,
      // and the position moves in the commit of its last part, only if every part committed.
      let page: Page | undefined;
      let end: Position | undefined;
      let pageError: Problem | undefined;
      if (req) {
        if (req.connection !== connection.id) pageError = problem(null, 'sourceConnection');
        else if (inputs.length) {
          const at = positionOf(inputs[inputs.length - 1], req.columns);
          if ('code' in at) pageError = at;
          else end = at;
        }
        if (pageError) {
          const err = Object.assign(new Error(renderProblem(RED, pageError).message), { problem: pageError });
          told(req, { rows: inputs.length, ...tally, error: pageError });
          throw err;
        }
        page = { failed: false };
      }
      const flush = (last = false) => {
        counts.invalid += invalid.length;
        tally.invalid += invalid.length;
        for (const m of invalid) send([null, m]);
        invalid = [];
        if (last && page && end) page.move = { name: req!.name, value: encode(end) };
        if (!entries.length && !page?.move) return;
        const part = entries;
        entries = [];
        const p = sender.accept(part, { resend: config.resend === true, page }).then((result) => {
          tally.accepted += result.accepted.length;
          tally.skipped += result.skipped.length;
          if (result.skipped.length) {
            node.log(T(RED, 'log.skipped', { count: result.skipped.length }));
            // Already at BTXH with this content: said on output 1, so a flow that marks rows "synced" closes the loop.
            send([{ payload: result.skipped.map((e) => e.record), btxh: { operation: op.api, skipped: true, keys: result.skipped.map((e) => e.key) } }, null]);
          }
        });
        // Handled now (a later part may still be read meanwhile); the failure is the input's, below.
        p.catch((err: Error) => (failed ??= err));
        parts.push(p);
      };
      for (let i = 0; i < inputs.length; i++) {
        if (i > 0 && turns.due()) {
          flush();
          if (inputs.length > 1) progress(i, inputs.length);
          await turns.turn();
          // Bounded memory: a part not yet committed is waited for before more is read.
          if (sender.uncommitted > COMMIT_MAX) await Promise.allSettled(parts);
          if (failed) break;
          // Closed meanwhile (a deploy): the rest is not read, and each of its records says so on output 2.
          if (closing) {
            unread(inputs.slice(i));
            // The position stays before them: the next run reads them again.
            if (page) page.failed = true;
            break;
          }
        }
        const original = inputs[i];
        // Before any work: a record that is not plain, shallow data is refused, and replaced in
        // msg by a bounded copy, so that Complete and Catch nodes can copy the message.
        const shape = inspectShape(original);
        if (shape) {
          inputs[i] = boundedCopy(original);
          cut = true;
          invalid.push(notSent(inputs[i], 'invalid', [shape]));
          continue;
        }
        // Kept in memory only, for the editor's live preview ("take the last record").
        (node as Node & { lastRecord?: unknown }).lastRecord = original;
        let prepared: ReturnType<typeof prepareMapped>;
        try {
          const raw = map(original, msg);
          // Without a mapping the record is the input itself, just found plain data above.
          prepared = raw instanceof Promise ? prepareMapped(op, await raw, settings) : prepareMapped(op, raw, settings, { shaped: raw === original });
        } catch (err) {
          // A bug of ours on one record must not take its neighbours (or the process) with it: said, never silent.
          node.error(T(RED, 'warn.prepareFailed', { record: describe(original), message: (err as Error)?.message ?? String(err) }));
          inputs[i] = boundedCopy(original);
          cut = true;
          invalid.push(notSent(inputs[i], 'invalid', [problem(null, 'prepareFailed')]));
          continue;
        }
        if (prepared.errors.length || !prepared.record) {
          invalid.push(notSent(original, 'invalid', prepared.errors, { warnings: prepared.warnings.map((p) => renderProblem(RED, p)) }));
          continue;
        }
        // Rendered only when someone reads them: a backfill has several warnings a record (aliases, extra columns).
        if (debugging) for (const w of prepared.warnings) node.debug(`${describe(prepared.record)}: ${renderProblem(RED, w).message}`);
        entries.push(sender.entry(prepared.record, original, msg._msgid ? { _msgid: msg._msgid } : undefined));
      }
      flush(true);
      if (cut) msg.payload = Array.isArray(msg.payload) ? inputs : inputs[0];
      const committed = Promise.allSettled(parts).then(() => {
        if (req) {
          // A failed part kept the position where it was (../lib/engine/commits.ts); so did a close.
          const why = failed
            ? (failed as { problem?: Problem }).problem ?? problem(null, 'outboxUnavailable', { store: connection.queueKind, detail: failed.message })
            : page?.failed ? problem(null, 'closedBeforeRead') : undefined;
          told(req, { rows: inputs.length, ...tally, ...(why ? { error: why } : { end }) });
        }
        if (failed) throw failed;
        showStatus();
      });
      return { committed };
    }

    /**
     * The source of a page hears what became of it, through the connection it named: the one
     * they share, or (a page wired to a sync node on another connection) the source's own, so
     * that it hears the refusal at once instead of waiting for its page timeout.
     */
    function told(req: PageRequest, r: Omit<PageResult, 'source' | 'seq' | 'owner'>): void {
      const to = req.connection === connection.id ? connection : (RED.nodes.getNode(req.connection) as AuthNode | null);
      to?.pages?.emit('page', { source: req.source, seq: req.seq, owner: node.id, ...r } satisfies PageResult);
    }

    /** A large input's progress on the status: "accepting 45,000 / 100,000". */
    function progress(done: number, total: number): void {
      node.status({ fill: 'blue', shape: 'ring', text: T(RED, 'status.accepting', { done, total }) });
    }

    /**
     * Inputs in arrival order, taken by one worker: a split node's 100,000 messages queue here
     * (a few bytes each) instead of each being read at once, which froze Node-RED for as long.
     */
    const turns = new Turns();
    let closing = false;
    /** Records the node closed before reading: on output 2 (undeliverable), never silently gone. */
    const unread = (records: unknown[]) => {
      const p = problem(null, 'closedBeforeRead');
      for (const r of records) node.send([null, notSent(boundedCopy(r), 'undeliverable', [p])]);
    };
    /** Every input still queued when the node closes: its records on output 2, then acknowledged. */
    const drop = () => {
      while (head < inbox.length) {
        const job = inbox[head]!;
        inbox[head++] = undefined;
        if (!isControl(job.msg)) {
          const rows = Array.isArray(job.msg.payload) ? job.msg.payload : [job.msg.payload];
          unread(rows);
          const req = pageOf(job.msg.cursor);
          if (req) told(req, { rows: rows.length, accepted: 0, skipped: 0, invalid: 0, error: problem(null, 'closedBeforeRead') });
        }
        finish(job.done);
      }
      inbox.length = 0;
      head = 0;
    };
    const inbox: ({ msg: NodeMessage; send: Send; done: (err?: Error) => void } | undefined)[] = [];
    let head = 0;
    let working = false;
    async function work(): Promise<void> {
      working = true;
      turns.begin();
      try {
        while (head < inbox.length) {
          if (closing) break;
          const job = inbox[head]!;
          inbox[head++] = undefined;
          if (head >= 1024 && head * 2 >= inbox.length) {
            inbox.splice(0, head);
            head = 0;
          }
          let read: { committed: Promise<void> };
          try {
            read = await handle(job.msg, job.send);
          } catch (err) {
            finish(job.done, failure(err as Error));
            continue;
          }
          read.committed.then(() => finish(job.done), (err: Error) => finish(job.done, failure(err)));
          // The next input is read while this one commits, up to a bound on what waits for a commit.
          if (sender.uncommitted > COMMIT_MAX) await read.committed.catch(() => undefined);
          if (turns.due()) await turns.turn();
        }
      } finally {
        working = false;
      }
    }

    // Used by the editor's "Replay dead letters" button and the history endpoint (btxh-auth registers both).
    (node as Node & { replay?: (f?: unknown) => Promise<number> }).replay = (f) => sender.replay(replayFilter(f));
    (node as Node & { history?: (d: unknown) => Promise<unknown> }).history = (d) => historyOf(RED, outbox, dossierOf(RED, d));
    /**
     * Replay with edit (the sidebar): a dead letter's record as corrected by hand, checked as any
     * input is, and sent as a new entry unless `dryRun` (the live preview). The editor sees ids
     * masked: a field sent back exactly as it was shown keeps its stored value, so a masked id
     * never replaces the real one.
     */
    async function resend(entry: unknown, edited: unknown, dryRun: boolean) {
      const bad = (field: string | null, code: string) => {
        const p = problem(field, code);
        throw Object.assign(new Error(renderProblem(RED, p).message), { problem: p });
      };
      const letter = typeof entry === 'number' ? (await outbox.deadLetters(node.id, 1000)).find((e) => e.id === entry) : undefined;
      if (!letter) bad('entry', 'notDeadLetter');
      if (!edited || typeof edited !== 'object' || Array.isArray(edited)) bad('record', 'notObject');
      const ids = personalIds(op, letter!.record);
      const shown = maskRecord(letter!.record, ids) as Record<string, unknown>;
      const record: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(edited as Record<string, unknown>)) record[k] = JSON.stringify(v) === JSON.stringify(shown[k]) ? letter!.record[k] : v;
      const prepared = prepareMapped(op, record, settings);
      const newIds = [...ids, ...personalIds(op, record)];
      const view = {
        ok: !prepared.errors.length && !!prepared.record,
        errors: prepared.errors.map((p) => renderProblem(RED, p)),
        warnings: prepared.warnings.map((p) => renderProblem(RED, p)),
        record: prepared.record ? maskRecord(prepared.record, newIds) : null,
      };
      if (dryRun || !view.ok) return { ...view, sent: false };
      await sender.resendEdited(prepared.record!, record, letter!.id);
      return { ...view, sent: true };
    }

    // The BTXH sidebar (./btxh-sidebar.ts).
    Object.assign(node, { operation: op.api, state, deadList, resend });

    /** A replay filter as given by a flow or the editor; a malformed one is an error, never "replay everything". */
    function replayFilter(raw: unknown): ReplayFilter {
      if (raw === undefined || raw === null || raw === '') return {};
      const bad = (field: string) => {
        const p = problem(field, 'replayFilter');
        throw Object.assign(new Error(renderProblem(RED, p).message), { problem: p });
      };
      if (typeof raw !== 'object' || Array.isArray(raw)) bad('payload');
      const { keys, reason } = raw as { keys?: unknown; reason?: unknown };
      if (keys !== undefined && !(Array.isArray(keys) && keys.every((k) => typeof k === 'string'))) bad('keys');
      if (reason !== undefined && reason !== 'rejected' && reason !== 'undeliverable') bad('reason');
      return { ...(keys !== undefined ? { keys: keys as string[] } : {}), ...(reason !== undefined ? { reason: reason as 'rejected' | 'undeliverable' } : {}) };
    }

    node.on('input', (msg, send, done) => {
      inbox.push({ msg, send, done });
      if (!working) void work();
    });

    /**
     * done() runs the flow's Complete or Catch nodes synchronously (Node-RED copies the message
     * for them). Whatever they throw must not become an unhandled rejection of this promise
     * chain, which ends the Node-RED process: it is logged instead.
     */
    function finish(done: (err?: Error) => void, err?: Error): void {
      try {
        done(err);
      } catch (e) {
        node.warn(T(RED, 'warn.doneThrew', { message: e instanceof Error ? e.message : String(e) }));
      }
    }

    let resolveStopped!: () => void;
    auth.use(new Promise<void>((r) => (resolveStopped = r)));

    node.on('close', (_removed, done) => {
      closing = true;
      drop();
      if (statusTimer) clearTimeout(statusTimer);
      (async () => {
        await sender.stop({ timeoutMs: 10_000 });
        closed = true;
        if (auth.queueKind === 'memory') {
          // Nothing survives a memory queue: every record not yet delivered — waiting, in backoff
          // or still on the wire — leaves on output 2, never silently.
          const p = problem(null, 'shutdown');
          for (const e of await outbox.abandon(node.id, [p])) node.send([null, notSent(e.original, 'undeliverable', [p], { key: e.key, attempts: e.attempts })]);
        }
      })()
        .catch((err: Error) => node.warn(T(RED, 'warn.storeError', { message: err.message })))
        .finally(() => {
          node.status({});
          resolveStopped();
          done();
        });
    });

    // Found when the outbox opened (one log line per node that uses it): never silent.
    if (outbox.damage) node.error(renderProblem(RED, outbox.damage).message);
    sender.start();
    showStatus();
  }

  RED.nodes.registerType(type, SyncNode);
}
