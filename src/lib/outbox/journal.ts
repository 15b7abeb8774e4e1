import { operations } from '../fields';
import { maskText } from '../mask';
import type { Problem } from '../problem';
import type { Facts } from './store';

/**
 * The delivery journal: what happened to every record, kept by the outbox store in the
 * same transaction as the state change it tells of, so the journal and the queue never
 * disagree (a crash loses both or neither). One event per record and step. Kept for the
 * connection's retention (`keepDays`, default 365 days) and pruned with the remembered
 * deliveries (Store.forget); the memory queue keeps the last JOURNAL_MEMORY_MAX events.
 *
 * An acceptance is not written as an event: a queued entry is its own record of it, and
 * every event about an entry carries when it was accepted (`accepted`) and its facts, so a
 * history and a report tell it all the same (`tell`). A row for each accepted record cost
 * a fifth of every SQLite enqueue (bench/outbox.js).
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
  | 'replayed'
  /** A dead letter edited by hand and sent again as a new entry (the event is about the letter). */
  | 'edited';

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
  /** When the entry was accepted (epoch ms, the store's clock); absent on a skip. */
  accepted?: number;
  /** What a report counts the record by (its procedure, units, submission time). */
  facts?: Facts;
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

/** The columns both SQL stores keep an event in (JSON as text, times as epoch ms). */
export interface JournalRow {
  id: number | string;
  at: number | string;
  accepted: number | string | null;
  owner: string;
  op: string;
  key: string;
  dossier: string;
  entry: number | string;
  event: string;
  attempt: number | null;
  exchange: string | null;
  errors: string | null;
  facts: string | null;
}

/** A stored event with its place in the order of writing. */
export interface Written {
  seq: number;
  event: JournalEvent;
}

export function toWritten(r: JournalRow): Written {
  const e: JournalEvent = { at: Number(r.at), owner: r.owner, op: r.op, key: r.key, dossier: r.dossier, entry: Number(r.entry), event: r.event as JournalKind };
  if (r.attempt !== null && r.attempt !== undefined) e.attempt = Number(r.attempt);
  if (r.exchange) e.exchange = JSON.parse(r.exchange) as Exchange;
  if (r.errors) e.errors = JSON.parse(r.errors) as Problem[];
  if (r.accepted !== null && r.accepted !== undefined) e.accepted = Number(r.accepted);
  if (r.facts) e.facts = JSON.parse(r.facts) as Facts;
  return { seq: Number(r.id), event: e };
}

/** An event's JSON columns: what a SQL store writes (undefined parts as NULL). */
export function eventColumns(exchange: Exchange | undefined, errors: Problem[] | undefined): [string | null, string | null] {
  const x = journalExchange(exchange);
  const p = journalErrors(errors);
  return [x ? JSON.stringify(x) : null, p ? JSON.stringify(p) : null];
}

/** An entry as a history or a report needs it while it is still queued. */
export interface Queued {
  id: number;
  owner: string;
  op: string;
  key: string;
  state: string;
  createdAt: number;
  facts?: Facts;
}

/** An entry as both SQL stores select it for a history or a report (times as epoch ms). */
export interface QueuedRow {
  id: string | number;
  owner: string;
  op: string;
  key: string;
  state: string;
  created_ms: number | string;
  facts: string | null;
}

export function toQueued(r: QueuedRow): Queued {
  const q: Queued = { id: Number(r.id), owner: r.owner, op: r.op, key: r.key, state: r.state, createdAt: Number(r.created_ms) };
  if (r.facts) q.facts = JSON.parse(r.facts) as Facts;
  return q;
}

/**
 * The keys a dossier's records may have, as [equal, above, below] per operation: "op:MaHoSo"
 * itself, and "op:MaHoSo|…" (a step's key goes on with its time) as the range between
 * "op:MaHoSo|" and "op:MaHoSo}" ("}" sorts right after "|"), so a key index finds them.
 */
export function keyRanges(dossier: string): [string, string, string][] {
  return Object.keys(operations).map((op) => [`${op}:${dossier}`, `${op}:${dossier}|`, `${op}:${dossier}}`]);
}

/** Does `key` belong to `dossier` (the test keyRanges' ranges make)? */
export function ofDossier(key: string, dossier: string): boolean {
  return dossierOfKey(key) === dossier;
}

/**
 * A dossier's history from its journal events and its entries still queued: each entry's
 * `accepted` event told once, from the entry or from the acceptance time its events carry,
 * before its other events. Oldest first (within one millisecond: acceptances, by entry, then
 * events as written); the newest `limit` kept.
 */
export function tell(written: Written[], queued: Queued[], dossier: string, limit = HISTORY_MAX): JournalEvent[] {
  const accepted = new Map<number, JournalEvent>();
  const accept = (id: number, at: number, e: { owner: string; op: string; key: string; facts?: Facts }) => {
    if (accepted.has(id)) return;
    const ev: JournalEvent = { at, owner: e.owner, op: e.op, key: e.key, dossier, entry: id, event: 'accepted', accepted: at };
    if (e.facts) ev.facts = e.facts;
    accepted.set(id, ev);
  };
  for (const q of queued) accept(q.id, q.createdAt, q);
  for (const w of written) if (w.event.entry > 0 && w.event.accepted !== undefined) accept(w.event.entry, w.event.accepted, w.event);
  const all: [JournalEvent, number, number][] = [
    ...[...accepted.values()].map((e): [JournalEvent, number, number] => [e, 0, e.entry]),
    ...written.map((w): [JournalEvent, number, number] => [w.event, 1, w.seq]),
  ];
  all.sort((a, b) => a[0].at - b[0].at || a[1] - b[1] || a[2] - b[2]);
  return all.slice(Math.max(0, all.length - Math.max(0, Math.floor(limit)))).map((x) => x[0]);
}

/** The event a store writes about `e` (an entry, or an item skipped), its exchange and errors as the journal keeps them. */
export function eventOf(at: number, e: { owner: string; op: string; key: string; createdAt?: number; facts?: Facts }, entry: number, event: JournalKind, more: { attempt?: number; exchange?: Exchange; errors?: Problem[] } = {}): JournalEvent {
  const ev: JournalEvent = { at, owner: e.owner, op: e.op, key: e.key, dossier: dossierOfKey(e.key), entry, event };
  if (more.attempt !== undefined) ev.attempt = more.attempt;
  const x = journalExchange(more.exchange);
  if (x) ev.exchange = x;
  const p = journalErrors(more.errors);
  if (p) ev.errors = p;
  if (entry > 0 && e.createdAt !== undefined) ev.accepted = e.createdAt;
  if (e.facts) ev.facts = e.facts;
  return ev;
}

/**
 * The memory queue's journal: the newest `max` events, oldest dropped first.
 */
export class JournalRing {
  private events: Written[] = [];
  private seq = 1;

  constructor(private readonly max = JOURNAL_MEMORY_MAX) {}

  add(event: JournalEvent): void {
    this.events.push({ seq: this.seq++, event });
    // Cut in one splice once it holds twice the bound: amortised, not a shift per event.
    if (this.events.length >= 2 * this.max) this.events.splice(0, this.events.length - this.max);
  }

  /** The kept events of `dossier`, as written. */
  of(dossier: string): Written[] {
    const start = Math.max(0, this.events.length - this.max);
    const out: Written[] = [];
    for (let i = start; i < this.events.length; i++) if (this.events[i].event.dossier === dossier) out.push({ seq: this.events[i].seq, event: { ...this.events[i].event } });
    return out;
  }

  /** Kept events after `seq` with `at` from `from` on, at most `limit`: a report's read. */
  after(seq: number, from: number, limit: number): Written[] {
    const start = Math.max(0, this.events.length - this.max);
    const out: Written[] = [];
    for (let i = start; i < this.events.length && out.length < limit; i++) {
      const w = this.events[i];
      if (w.seq > seq && w.event.at >= from) out.push({ seq: w.seq, event: { ...w.event } });
    }
    return out;
  }

  /** Drops up to `limit` events older than `before`, oldest first; how many. */
  prune(before: number, limit: number): number {
    let n = 0;
    while (n < limit && n < this.events.length && this.events[n].event.at < before) n++;
    this.events.splice(0, n);
    return n;
  }
}
