import { operations } from '../fields';
import { maskText } from '../mask';
import type { Problem } from '../problem';

/**
 * The delivery journal: what happened to every record, kept by the outbox store in the
 * same transaction as the state change it tells of, so the journal and the queue never
 * disagree (a crash loses both or neither). One event per record and step. Kept for the
 * connection's retention (`keepDays`, default 365 days) and pruned with the remembered
 * deliveries (Store.forget); the memory queue keeps the last JOURNAL_MEMORY_MAX events.
 */
export type JournalKind =
  /** Taken into the outbox (an input, a replay with edit). */
  | 'accepted'
  /** Not queued: the same key and content were already delivered. */
  | 'skipped'
  /** BTXH took it. */
  | 'delivered'
  /** A try failed without a verdict on the record; it waits for the next. */
  | 'retried'
  /** BTXH (or the check before sending) refused it: a dead letter. */
  | 'rejected'
  /** Out of attempts or time (`undeliverable`), or abandoned at a stop: a dead letter. */
  | 'dead'
  /** A newer version of its key was delivered first: never sent again. */
  | 'superseded'
  /** A dead letter put back to waiting. */
  | 'replayed';

/** What one exchange with BTXH answered, written with the outcome of each record it carried. */
export interface Exchange {
  /** HTTP status, when an answer came. */
  status?: number;
  /** BTXH's `error_code`, or the client's own failure code (timeout, network…). */
  code?: string;
  /** BTXH's `message` or a short technical reason, personal ids masked, at most MESSAGE_MAX characters. */
  message?: string;
  /** How long the request took, ms. */
  ms?: number;
}

/** Events come oldest first; events of one millisecond in the order they were written. */
export interface JournalEvent {
  /** Epoch ms (the store's clock). */
  at: number;
  owner: string;
  op: string;
  key: string;
  /** MaHoSo: the first key field of every operation. */
  dossier: string;
  /** The outbox entry the event is about (an entry id; 0 for a skip, which makes no entry). */
  entry: number;
  event: JournalKind;
  /** Which try (1 = the first) an exchange's event was; absent for events without one. */
  attempt?: number;
  exchange?: Exchange;
  /** The problems the record was refused, retried or buried with. */
  errors?: Problem[];
}

/** The longest server message kept: enough for any BTXH answer, not a whole HTML error page. */
export const MESSAGE_MAX = 500;
/** The memory queue's journal: the newest events, as many as this. */
export const JOURNAL_MEMORY_MAX = 10_000;
/** The most events one history answers. */
export const HISTORY_MAX = 1000;

/**
 * MaHoSo from an idempotency key (lib/engine/key.ts: "op:" + the key fields joined by "|");
 * every operation's first key field is MaHoSo.
 */
export function dossierOfKey(key: string): string {
  const start = key.indexOf(':') + 1;
  const end = key.indexOf('|', start);
  return end < 0 ? key.slice(start) : key.slice(start, end);
}

/**
 * An exchange as the journal keeps it: personal ids masked in the message (a server may
 * quote the CCCD it refused), the message bounded, nothing else of the answer kept.
 */
export function journalExchange(x: Exchange | undefined): Exchange | undefined {
  if (!x) return undefined;
  const out: Exchange = {};
  if (x.status !== undefined) out.status = x.status;
  if (x.code !== undefined && x.code !== '') out.code = String(x.code).slice(0, 50);
  if (x.message) out.message = maskText(x.message.length > MESSAGE_MAX ? x.message.slice(0, MESSAGE_MAX - 1) + '…' : x.message);
  if (x.ms !== undefined) out.ms = Math.max(0, Math.round(x.ms));
  return out;
}

/** The journal kind of a dead letter's reason. */
export function deadKind(reason: 'rejected' | 'undeliverable' | 'superseded'): JournalKind {
  return reason === 'rejected' ? 'rejected' : reason === 'superseded' ? 'superseded' : 'dead';
}

/** Problems as the journal keeps them: any 9–12-digit run in a text parameter masked. */
export function journalErrors(problems: Problem[] | undefined): Problem[] | undefined {
  if (!problems?.length) return undefined;
  return problems.map((p) => {
    if (!p.params) return p;
    const params: Record<string, string | number> = {};
    for (const [k, v] of Object.entries(p.params)) params[k] = typeof v === 'string' ? maskText(v) : v;
    return { ...p, params };
  });
}

/** The columns both SQL stores keep an event in (JSON as text). */
export interface JournalRow {
  id: number | string;
  at: number | string;
  owner: string;
  op: string;
  key: string;
  dossier: string;
  entry: number | string;
  event: string;
  attempt: number | null;
  exchange: string | null;
  errors: string | null;
}

export function toEvent(r: JournalRow): JournalEvent {
  const e: JournalEvent = { at: Number(r.at), owner: r.owner, op: r.op, key: r.key, dossier: r.dossier, entry: Number(r.entry), event: r.event as JournalKind };
  if (r.attempt !== null && r.attempt !== undefined) e.attempt = Number(r.attempt);
  if (r.exchange) e.exchange = JSON.parse(r.exchange) as Exchange;
  if (r.errors) e.errors = JSON.parse(r.errors) as Problem[];
  return e;
}

/** An event's JSON columns: what a SQL store writes (undefined parts as NULL). */
export function eventColumns(exchange: Exchange | undefined, errors: Problem[] | undefined): [string | null, string | null] {
  const x = journalExchange(exchange);
  const p = journalErrors(errors);
  return [x ? JSON.stringify(x) : null, p ? JSON.stringify(p) : null];
}

/**
 * The memory queue's journal: the newest `max` events, oldest dropped first. Events are
 * kept as given (the exchange and errors already as the journal keeps them).
 */
export class JournalRing {
  private events: JournalEvent[] = [];

  constructor(private readonly max = JOURNAL_MEMORY_MAX) {}

  add(at: number, e: { owner: string; op: string; key: string }, entry: number, event: JournalKind, attempt?: number, exchange?: Exchange, errors?: Problem[]): void {
    const ev: JournalEvent = { at, owner: e.owner, op: e.op, key: e.key, dossier: dossierOfKey(e.key), entry, event };
    if (attempt !== undefined) ev.attempt = attempt;
    if (exchange) ev.exchange = exchange;
    if (errors) ev.errors = errors;
    this.events.push(ev);
    // Cut in one splice once it holds twice the bound: amortised, not a shift per event.
    if (this.events.length >= 2 * this.max) this.events.splice(0, this.events.length - this.max);
  }

  history(dossier: string, limit = HISTORY_MAX): JournalEvent[] {
    const start = Math.max(0, this.events.length - this.max);
    const out: JournalEvent[] = [];
    for (let i = start; i < this.events.length; i++) if (this.events[i].dossier === dossier) out.push({ ...this.events[i] });
    return out.slice(Math.max(0, out.length - limit));
  }

  /** Drops up to `limit` events older than `before`, oldest first; how many. */
  prune(before: number, limit: number): number {
    let n = 0;
    while (n < limit && n < this.events.length && this.events[n].at < before) n++;
    this.events.splice(0, n);
    return n;
  }
}

/**
 * The keys a dossier's records may have, as [equal, above, below] per operation: "op:MaHoSo"
 * itself, and "op:MaHoSo|…" (a step's key goes on with its time) as the range between
 * "op:MaHoSo|" and "op:MaHoSo}" ("}" sorts right after "|"), so a key index finds them.
 */
export function keyRanges(dossier: string): [string, string, string][] {
  return Object.keys(operations).map((op) => [`${op}:${dossier}`, `${op}:${dossier}|`, `${op}:${dossier}}`]);
}

/**
 * A dossier's history where acceptances are not journal rows (./sqlite.ts): every event row
 * carries its entry's acceptance time, and entries still queued are given as they are; each
 * entry's `accepted` event is told from them, once, before its other events. Oldest first,
 * the newest `limit` kept.
 */
export function withAcceptance(rows: (JournalRow & { accepted: number | null })[], queued: { id: number; owner: string; op: string; key: string; created_at: number }[], dossier: string, limit = HISTORY_MAX): JournalEvent[] {
  const accepted = new Map<number, JournalEvent>();
  const accept = (id: number, at: number, e: { owner: string; op: string; key: string }) => {
    if (!accepted.has(id)) accepted.set(id, { at, owner: e.owner, op: e.op, key: e.key, dossier, entry: id, event: 'accepted' });
  };
  for (const q of queued) accept(Number(q.id), Number(q.created_at), q);
  for (const r of rows) if (Number(r.entry) > 0 && r.accepted !== null) accept(Number(r.entry), Number(r.accepted), r);
  // Sorted by time; within one millisecond acceptances first (by entry), then rows as written.
  const all: [JournalEvent, number, number][] = [
    ...[...accepted.values()].map((e): [JournalEvent, number, number] => [e, 0, e.entry]),
    ...rows.map((r): [JournalEvent, number, number] => [toEvent(r), 1, Number(r.id)]),
  ];
  all.sort((a, b) => a[0].at - b[0].at || a[1] - b[1] || a[2] - b[2]);
  return all.slice(Math.max(0, all.length - Math.max(0, Math.floor(limit)))).map((x) => x[0]);
}
