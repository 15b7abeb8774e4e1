import { apiOf } from '../fields';
import type { Exchange, JournalEvent } from '../outbox/journal';
import type { Facts, Store } from '../outbox/store';
import type { Problem } from '../problem';
import { nextTurn } from '../engine/turns';
import { submittedAt } from './time';

/**
 * The report for the ministry (issue 14): what the connection did in a period, per operation,
 * procedure and handling unit, from the delivery journal and the queue. Read in chunks with a
 * turn of the event loop between them, so a year of a province's journal never freezes Node-RED.
 *
 * Meanings, for a period [from, to):
 * - accepted: records taken into the queue in the period (an entry still queued, or the
 *   acceptance time its delivery carries);
 * - delivered, rejected, dead, superseded, replayed, skipped, retried: journal events in the period;
 * - waiting and deadNow: the queue as it is now, whatever the period.
 * Steps and decisions carry no procedure or unit code: their rows have empty ones.
 */
export interface ReportQuery {
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, exclusive. */
  to: number;
  /** Only one node's records; all of the connection's by default. */
  owner?: string;
}

export const COUNTS = ['accepted', 'delivered', 'rejected', 'dead', 'superseded', 'replayed', 'skipped', 'retried', 'waiting', 'deadNow'] as const;
export type Count = (typeof COUNTS)[number];

export interface ReportRow extends Record<Count, number> {
  /** BTXH operation: DongBoDVC, XuLyHoSo, FileQuyetDinh. */
  operation: string;
  procedure: string;
  province: string;
  district: string;
  commune: string;
}

export interface Delay {
  count: number;
  /** Milliseconds; absent when count is 0. */
  median?: number;
  p95?: number;
}

export interface Failing {
  dossier: string;
  operation: string;
  key: string;
  event: 'rejected' | 'dead';
  at: number;
  code?: string;
  message?: string;
  errors?: Problem[];
}

export interface Report {
  from: number;
  to: number;
  generatedAt: number;
  rows: ReportRow[];
  /** Per operation, every procedure and unit together. */
  totals: ReportRow[];
  /** Refusals in the period by operation and BTXH's (or the check's) reason, most first. */
  rejectedBy: { operation: string; code: string; message: string; count: number }[];
  /** Per operation, from acceptance to delivery; for dossiers also from SubmittedDate. */
  delays: Record<string, { fromAcceptance: Delay; fromSubmission?: Delay }>;
  /** Dossiers delivered in the period, and how many of them also had their decision delivered in it. */
  decisions: { dossiers: number; withDecision: number; share: number };
  /** Records refused or given up in the period and not delivered since, newest first (at most FAILING_MAX). */
  failing: Failing[];
  /** More failing records than listed. */
  failingMore: number;
}

export const FAILING_MAX = 1000;
/** Events and entries read per call: enough to make the reads cheap, small enough to keep turns short. */
const CHUNK = 2000;

export async function buildReport(store: Pick<Store, 'events' | 'queued'>, q: ReportQuery, now: () => number = Date.now): Promise<Report> {
  const rows = new Map<string, ReportRow>();
  const row = (op: string, f: Facts | undefined): ReportRow => {
    const operation = apiOf(op);
    const id = `${operation}\u0000${f?.procedure ?? ''}\u0000${f?.province ?? ''}\u0000${f?.district ?? ''}\u0000${f?.commune ?? ''}`;
    let r = rows.get(id);
    if (!r) rows.set(id, (r = blank(operation, f)));
    return r;
  };
  const inPeriod = (t: number | undefined) => t !== undefined && t >= q.from && t < q.to;
  const rejectedBy = new Map<string, { operation: string; code: string; message: string; count: number }>();
  const delays = new Map<string, { acceptance: number[]; submission: number[] }>();
  const dossiersDelivered = new Set<string>();
  const decisionsDelivered = new Set<string>();
  const failing = new Map<string, Failing>();

  for (let after = 0; ; ) {
    const { events, next } = await store.events(q.from, after, CHUNK);
    for (const e of events) {
      if (q.owner !== undefined && e.owner !== q.owner) continue;
      // A delivery after the period still tells that its record was accepted in it.
      if (e.event === 'delivered' && inPeriod(e.accepted)) row(e.op, e.facts).accepted += 1;
      if (!inPeriod(e.at)) continue;
      count(row(e.op, e.facts), e);
      if (e.event === 'delivered') {
        failing.delete(e.key);
        const d = delays.get(e.op) ?? { acceptance: [], submission: [] };
        delays.set(e.op, d);
        if (e.accepted !== undefined) d.acceptance.push(e.at - e.accepted);
        const sub = submittedAt(e.facts?.submitted);
        if (sub !== undefined) d.submission.push(e.at - sub);
        if (e.op === 'dossier') dossiersDelivered.add(e.dossier);
        if (e.op === 'decision') decisionsDelivered.add(e.dossier);
      } else if (e.event === 'rejected' || e.event === 'dead') {
        if (e.event === 'rejected') {
          const reason = reasonOf(e.exchange, e.errors);
          const id = `${e.op}\u0000${reason.code}\u0000${reason.message}`;
          const r = rejectedBy.get(id) ?? { operation: apiOf(e.op), ...reason, count: 0 };
          r.count += 1;
          rejectedBy.set(id, r);
        }
        failing.delete(e.key); // the newest failure of a key is the one listed
        failing.set(e.key, failed(e));
      }
    }
    if (next === after || !events.length) break;
    after = next;
    await nextTurn();
  }
  for (let after = 0; ; ) {
    const queued = await store.queued(after, CHUNK);
    if (!queued.length) break;
    for (const e of queued) {
      if (q.owner !== undefined && e.owner !== q.owner) continue;
      const r = row(e.op, e.facts);
      if (inPeriod(e.createdAt)) r.accepted += 1;
      if (e.state === 'dead') r.deadNow += 1;
      else r.waiting += 1;
    }
    after = queued[queued.length - 1].id;
    await nextTurn();
  }

  const sorted = [...rows.values()].sort(byKeys);
  const totals = new Map<string, ReportRow>();
  for (const r of sorted) {
    let t = totals.get(r.operation);
    if (!t) totals.set(r.operation, (t = blank(r.operation, undefined)));
    for (const c of COUNTS) t[c] += r[c];
  }
  const list = [...failing.values()].sort((a, b) => b.at - a.at);
  const withDecision = [...dossiersDelivered].filter((d) => decisionsDelivered.has(d)).length;
  return {
    from: q.from,
    to: q.to,
    generatedAt: now(),
    rows: sorted,
    totals: [...totals.values()],
    rejectedBy: [...rejectedBy.values()].sort((a, b) => b.count - a.count || a.operation.localeCompare(b.operation)),
    delays: Object.fromEntries([...delays].map(([op, d]) => [apiOf(op), { fromAcceptance: spread(d.acceptance), ...(op === 'dossier' ? { fromSubmission: spread(d.submission) } : {}) }])),
    decisions: { dossiers: dossiersDelivered.size, withDecision, share: dossiersDelivered.size ? withDecision / dossiersDelivered.size : 0 },
    failing: list.slice(0, FAILING_MAX),
    failingMore: Math.max(0, list.length - FAILING_MAX),
  };
}

function count(r: ReportRow, e: JournalEvent): void {
  switch (e.event) {
    case 'delivered': r.delivered += 1; break;
    case 'rejected': r.rejected += 1; break;
    case 'dead': r.dead += 1; break;
    case 'superseded': r.superseded += 1; break;
    case 'replayed': r.replayed += 1; break;
    case 'skipped': r.skipped += 1; break;
    case 'retried': r.retried += 1; break;
    default: break;
  }
}

/** Why a record was refused: BTXH's code and message, or the first problem the check named. */
function reasonOf(x: Exchange | undefined, errors: Problem[] | undefined): { code: string; message: string } {
  if (x?.code !== undefined || x?.message) return { code: x?.code ?? '', message: x?.message ?? '' };
  const p = errors?.[0];
  return { code: p?.code ?? '', message: p?.params && typeof p.params.message === 'string' ? p.params.message : '' };
}

function failed(e: JournalEvent): Failing {
  const f: Failing = { dossier: e.dossier, operation: apiOf(e.op), key: e.key, event: e.event as Failing['event'], at: e.at };
  if (e.exchange?.code !== undefined) f.code = e.exchange.code;
  if (e.exchange?.message) f.message = e.exchange.message;
  if (e.errors) f.errors = e.errors;
  return f;
}

function blank(operation: string, f: Facts | undefined): ReportRow {
  const r = { operation, procedure: f?.procedure ?? '', province: f?.province ?? '', district: f?.district ?? '', commune: f?.commune ?? '' } as ReportRow;
  for (const c of COUNTS) r[c] = 0;
  return r;
}

const ORDER = ['DongBoDVC', 'XuLyHoSo', 'FileQuyetDinh'];

function byKeys(a: ReportRow, b: ReportRow): number {
  return (ORDER.indexOf(a.operation) - ORDER.indexOf(b.operation)) || a.procedure.localeCompare(b.procedure) || a.province.localeCompare(b.province)
    || a.district.localeCompare(b.district) || a.commune.localeCompare(b.commune);
}

/** Median and 95th percentile (nearest rank) of durations in ms. */
export function spread(values: number[]): Delay {
  if (!values.length) return { count: 0 };
  const v = Float64Array.from(values).sort();
  const rank = (p: number) => v[Math.min(v.length - 1, Math.max(0, Math.ceil(p * v.length) - 1))];
  return { count: v.length, median: rank(0.5), p95: rank(0.95) };
}
