import { problem, type Problem } from '../lib/problem';
import { decode, PARAM_ORDER, queryParams, validName, type Columns, type PageRequest, type PageResult } from '../lib/source/cursor';
import { Reader, type Progress } from '../lib/source/reader';
import type { AuthNode } from './btxh-auth';
import { renderProblem, T } from './i18n';
import { outboxFor, refuseInputs } from './outbox';
import { age } from './sync-node';
import type { Node, NodeMessage, Red, Send } from './red';

/**
 * btxh-source: reads a table of the province's database page by page, through
 * whatever database node the flow uses (MySQL/MariaDB, PostgreSQL, SQL Server…),
 * and keeps the read position in the connection's outbox. It sends a page
 * request (`msg.cursor` and the query parameters) to the database node; the
 * rows go on to a sync node, which moves the position in the transaction that
 * stores them and tells this node; only then is the next page asked for. So a
 * backfill of any size holds one page in memory, reads exactly as fast as the
 * outbox takes it, and a restart reads on from the last committed page.
 */

interface SourceConfig {
  id: string;
  name?: string;
  auth: string;
  cursor?: string;
  mode?: 'incremental' | 'backfill';
  timeColumn?: string;
  keyColumn?: string;
  pageSize?: number | string;
  from?: string;
  to?: string;
}

export const PAGE_SIZE = 500;
/** Rows per page at most: one page is in memory, and read by the sync node in time slices. */
export const PAGE_MAX = 10_000;

/** A date or date-time as a database takes it: 2024-01-01, 2024-01-01 08:00, 2024-01-01T08:00:00. */
const DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?$/;

const fmt = (n: number) => n.toLocaleString('en-US');

module.exports = function (RED: Red) {
  function BtxhSource(this: Node, config: SourceConfig) {
    RED.nodes.createNode(this, config);
    const node = this;
    const auth = RED.nodes.getNode(config.auth) as AuthNode | null;
    const mode = config.mode === 'backfill' ? 'backfill' : 'incremental';
    const columns: Columns = { time: (config.timeColumn ?? '').trim(), key: (config.keyColumn ?? '').trim() };
    const base = (config.cursor ?? '').trim() || node.id;
    const size = Number(config.pageSize ?? PAGE_SIZE);
    const limit = Number.isInteger(size) && size >= 1 && size <= PAGE_MAX ? size : undefined;

    const refuse = (p: Problem) => renderProblem(RED, p).message;
    const opened = outboxFor(RED, auth, () => {
      if (!columns.time || !columns.key) return refuse(problem(null, 'sourceColumns'));
      if (!validName(base)) return refuse(problem(null, 'sourceName', { name: base.slice(0, 40) }));
      if (limit === undefined) return refuse(problem(null, 'sourcePageSize', { max: PAGE_MAX }));
      return undefined;
    });
    if (!auth || 'broken' in opened || limit === undefined) return refuseInputs(node, 'broken' in opened ? opened.broken : '');
    const outbox = opened.store;
    const shared: AuthNode = auth;
    const pageSize = limit;
    // A memory outbox forgets the position with everything else at a restart: said once, never silently.
    if (auth.queueKind === 'memory') node.warn(T(RED, 'source.memory'));

    /** The range of a backfill: the dialog's, or the start message's `from` and `to`. */
    function range(msg: NodeMessage): { from: string | null; to: string | null } | Problem {
      if (mode === 'incremental') return { from: null, to: null };
      const from = typeof msg.from === 'string' && msg.from ? msg.from : (config.from ?? '').trim();
      const to = typeof msg.to === 'string' && msg.to ? msg.to : (config.to ?? '').trim();
      if (!DATE.test(from) || !DATE.test(to) || from.replace(' ', 'T') >= to.replace(' ', 'T')) return problem(null, 'sourceRange', { from, to });
      return { from, to };
    }
    const nameOf = (span: { from: string | null; to: string | null }) => (mode === 'backfill' ? `${base}@${span.from}..${span.to}` : base);

    /** How many rows the run will read, when the start message says (a count query before it). */
    function totalOf(msg: NodeMessage): number | undefined {
      const t = msg.total ?? (Array.isArray(msg.payload) && msg.payload.length === 1 ? (msg.payload[0] as Record<string, unknown>)?.total : undefined);
      const n = typeof t === 'string' || typeof t === 'bigint' ? Number(t) : t;
      return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : undefined;
    }

    /** "backfill 45,000 / 100,000 (45 %) · ~3 min left" */
    function reading(p: Progress): string {
      let head = p.total !== null ? T(RED, 'source.readOf', { read: fmt(p.read), total: fmt(p.total) }) : T(RED, 'source.read', { read: fmt(p.read) });
      if (p.percent !== undefined) head += ` (${p.percent} %)`;
      const parts = [head];
      if (p.leftMs !== undefined && p.pages > 0) parts.push(T(RED, 'source.left', { left: age(p.leftMs) }));
      return T(RED, `source.${mode}`, { parts: parts.join(' · ') });
    }

    const shown = (p: Progress) => ({ mode, ...p });
    /** The run's start message's send: pages and progress go out as that message's. */
    let send: Send = node.send.bind(node);
    /** Set from the moment a start message is taken (before the stored position is read) until its run ends. */
    let busy = false;
    const reader = new Reader({
      store: outbox,
      source: node.id,
      connection: shared.id,
      columns,
      limit: pageSize,
      ask(req) {
        const params = queryParams(req);
        // One request, in the shapes the database nodes take (README, "From a database"):
        // named in msg.payload (MySQL/MariaDB :name) and msg.queryParameters (PostgreSQL $name),
        // positional in msg.params ($1..$6).
        send([{ topic: req.name, cursor: req, payload: { ...params }, queryParameters: { ...params }, params: PARAM_ORDER.map((k) => params[k]) }, null]);
      },
      tell(e) {
        if (e.kind === 'reading') node.status({ fill: 'blue', shape: 'dot', text: reading(e.progress) });
        else if (e.kind === 'page') send([null, { topic: 'progress', payload: shown(e.progress) }]);
        else if (e.kind === 'delivering') node.status({ fill: 'blue', shape: 'ring', text: T(RED, 'source.delivering', { read: fmt(e.progress.read), waiting: fmt(e.waiting) }) });
        else {
          const s = e.summary;
          const error = s.error ? renderProblem(RED, s.error) : undefined;
          if (error) {
            const m = error.message;
            node.status({ fill: 'red', shape: 'ring', text: T(RED, 'source.failed', { message: m.length > 100 ? m.slice(0, 99) + '…' : m }) });
          } else {
            node.status({ fill: 'green', shape: 'dot', text: T(RED, 'source.done', { read: fmt(s.read), sent: fmt(s.delivered ?? 0), skipped: fmt(s.skipped), invalid: fmt(s.invalid), dead: fmt(s.dead ?? 0) }) });
          }
          send([null, { topic: 'summary', payload: { ...shown(s), ...(error ? { error } : {}) } }]);
        }
      },
    });
    const onPage = (res: PageResult) => reader.page(res);
    shared.pages.on('page', onPage);

    node.on('input', (msg, sendOf, done) => {
      void (async () => {
        // A Catch node wired back tells of a failed query; one Catch node may serve several sources.
        const req = msg.cursor as Partial<PageRequest> | undefined;
        if (msg.error && req && typeof req.source === 'string') {
          if (req.source === node.id && typeof req.seq === 'number') {
            const detail = (msg.error as { message?: unknown }).message;
            reader.failed(req.seq, typeof detail === 'string' ? detail : String(msg.error));
          }
          return done();
        }
        const span = range(msg);
        if ('code' in span) return done(Object.assign(new Error(refuse(span)), { problem: span }));
        const name = nameOf(span);
        if (msg.topic === 'reset') {
          if (busy && (!reader.running || reader.running.name === name)) return done(new Error(refuse(problem(null, 'sourceBusy'))));
          await outbox.resetCursor(name);
          node.status({ fill: 'grey', shape: 'ring', text: T(RED, 'source.reset') });
          return done();
        }
        // One run at a time: a tick while one starts, reads or waits for delivery is acknowledged and changes nothing.
        if (busy) return done();
        busy = true;
        send = sendOf;
        const summary = await reader.start({ name, ...span, total: totalOf(msg) }).finally(() => (busy = false));
        // The start message is acknowledged when its run ends; with the run's error, if any.
        if (summary.error && summary.error.code !== 'closedBeforeRead') done(Object.assign(new Error(refuse(summary.error)), { problem: summary.error }));
        else done();
      })().catch((err: Error) => done(err));
    });

    let closed = false;
    node.on('close', (_removed, done) => {
      closed = true;
      shared.pages.off('page', onPage);
      reader.close();
      node.status({});
      done();
    });

    // Where the dialog's run would start: the stored position, on the status.
    void outbox
      .cursor(nameOf({ from: (config.from ?? '').trim(), to: (config.to ?? '').trim() }))
      .then((c) => {
        if (closed || busy) return;
        const at = c ? decode(c) : null;
        const time = at?.time instanceof Date ? at.time.toLocaleString('sv-SE', { timeZone: 'Asia/Ho_Chi_Minh' }) : at ? String(at.time) : '';
        node.status(at ? { fill: 'grey', shape: 'dot', text: T(RED, 'source.at', { time }) } : { fill: 'grey', shape: 'ring', text: T(RED, 'source.start') });
      })
      .catch(() => undefined);
  }

  RED.nodes.registerType('btxh-source', BtxhSource);
};
