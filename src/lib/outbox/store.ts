import type { Problem } from '../problem';
import type { Exchange, JournalEvent, Queued } from './journal';

/**
 * The outbox. Every accepted record is an entry; a sender claims entries,
 * delivers them and marks the outcome. Stores: memory (not durable), sqlite
 * (one process, durable), postgres (several Node-RED instances share one queue).
 */

export type EntryState = 'waiting' | 'inflight' | 'delivered' | 'dead';
/**
 * Why an entry is dead: `rejected` by the server, `undeliverable` (out of
 * attempts), or `superseded`: a newer entry of its key (accepted after it) was
 * delivered, so sending it again would overwrite newer content at BTXH. Replay
 * never picks a superseded letter; it stays listed so nothing disappears silently.
 */
export type DeadReason = 'rejected' | 'undeliverable' | 'superseded';

/**
 * What a report counts a record by, read from its wire record by the field table's `fact`
 * marks (../report/facts.ts): the procedure, the handling unit's codes, the submission time
 * as sent. Records without such fields (steps, decisions) have none.
 */
export interface Facts {
  procedure?: string;
  province?: string;
  district?: string;
  commune?: string;
  /** SubmittedDate as sent (its wire text): read only when a report asks. */
  submitted?: string;
}

export interface NewEntry {
  /** The node that accepted the record and reports its outcome (a Node-RED node id). */
  owner: string;
  /** Operation id: "dossier" | "progress" | "decision". */
  op: string;
  /** Idempotency key: op + key fields (lib/engine/key.ts). */
  key: string;
  /** Content hash of the wire record. */
  hash: string;
  /** The wire record, exactly as it will be sent. */
  record: Record<string, unknown>;
  /**
   * The record as received (for output 2 and replay). Absent from a claim's entries: a claim is
   * for sending, and a backfill's originals (wide one-stop rows) were most of what it carried;
   * `Store.originals` reads them when a dead letter needs one.
   */
  original?: unknown;
  /** Small per-message context kept for the outputs (e.g. _msgid, topic). Never secrets. */
  meta?: Record<string, unknown>;
  /** What a report counts it by; kept with its journal events after the record is gone. */
  facts?: Facts;
}

export interface Entry extends NewEntry {
  id: number;
  /**
   * waiting (due from `notBefore`), inflight (claimed), delivered (reached BTXH,
   * its output not yet reported: see `reported`), dead (a dead letter).
   */
  state: EntryState;
  /** Send attempts made so far. */
  attempts: number;
  /** Epoch ms the entry was accepted (the store's clock). */
  createdAt: number;
  /** Epoch ms before which it is not retried (the store's clock). */
  notBefore: number;
  /**
   * The fencing token of the claim that holds it (set while inflight, and while
   * delivered but not reported). Every outcome write names it; a store refuses
   * a write whose token is no longer the entry's (the lease ended and another
   * claim took the entry over).
   */
  lease?: string;
  lastError?: Problem[];
  reason?: DeadReason;
  /**
   * Epoch ms the entry was dead-lettered; set only while it is dead, cleared by
   * replay. PostgreSQL uses the database's clock, as for `createdAt`.
   */
  deadAt?: number;
}

/**
 * An accepted item as its entry: waiting, never tried. Built field by field, never as
 * `{ ...item, id, … }`: a spread followed by new properties took V8 4 µs a record (the
 * object goes through a transition per added property), 30 times this — in a backfill,
 * more than the record's whole normalisation.
 */
export function acceptedEntry(item: NewEntry, id: number, now: number): Entry {
  const e: Entry = { owner: item.owner, op: item.op, key: item.key, hash: item.hash, record: item.record, original: item.original, id, state: 'waiting', attempts: 0, createdAt: now, notBefore: now };
  if (item.meta !== undefined) e.meta = item.meta;
  if (item.facts !== undefined) e.facts = item.facts;
  return e;
}

/**
 * An enqueue's answer from the ids the store gave `items`, in input order (0: skipped, already
 * delivered with the same content), all accepted at `at`. The entries are the caller's objects.
 */
export function enqueued(items: NewEntry[], ids: number[], at: number): EnqueueResult {
  const result: EnqueueResult = { accepted: [], skipped: [] };
  for (let i = 0; i < items.length; i++) {
    if (ids[i] === 0) result.skipped.push(items[i]);
    else result.accepted.push(acceptedEntry(items[i], ids[i], at));
  }
  return result;
}

/** What an outcome write names: the entry and the claim it was taken under. */
export type Held = Pick<Entry, 'id' | 'lease'>;

export interface EnqueueResult {
  /** Entries stored and waiting. */
  accepted: Entry[];
  /** Entries skipped because the same key and content were already delivered. */
  skipped: NewEntry[];
}

/**
 * One meaning in every store. `waiting`, `inflight` and `dead` count the
 * owner's entries in that state now; `delivered` counts the owner's entries
 * ever delivered (each delivery once, kept across restarts by the durable
 * stores, so a status "sent" does not fall back to 0 on a redeploy).
 */
export interface Counts {
  waiting: number;
  inflight: number;
  dead: number;
  delivered: number;
  /** Records enqueued but skipped: already delivered with the same content (kept with `delivered`, across restarts). */
  skipped: number;
  /** Age in ms of the oldest waiting or in-flight entry, 0 when none. */
  oldestMs: number;
}

export interface ReplayFilter {
  keys?: string[];
  reason?: DeadReason;
}

/**
 * The outbox. Times are the store's clock: a monotonic one within the process
 * for memory and SQLite (src/lib/clock.ts), the database's for PostgreSQL.
 * Callers give durations (`leaseMs`, `delayMs`, `budgetMs`), never instants,
 * so no caller's clock is mixed with the store's.
 *
 * Every outcome write (`delivered`, `retry`, `dead`, `extend`, `release`,
 * `reported`) takes the entries as claimed (`Held`: id and lease token) and
 * resolves with the ids it actually wrote; an entry whose lease has moved on to
 * another claim is left untouched and left out of the answer.
 */
/**
 * What an enqueue may also write in its transaction: named read positions (a source's
 * watermark, ../source/cursor.ts) that move exactly when the records read up to them are
 * committed, so a restart neither skips nor reads again what was taken.
 */
export type Cursors = Map<string, CursorValue>;
/** A read position as JSON: the store keeps it as text and gives it back as it was given. */
export type CursorValue = Record<string, unknown>;
/**
 * Names of memories rather than positions (what a pull already handed over, one per dossier):
 * kept with the time they were last written, and forgotten by `forget` as deliveries are.
 * Every other cursor is kept until reset.
 */
export const MEMORY_PREFIX = 'seen:';

export interface EnqueueOptions {
  resend?: boolean;
  /**
   * The entries are a dead letter's record edited by hand (replay with edit): the letter's id.
   * Its `edited` journal event is written in the same transaction. The letter itself stays
   * dead until the edited record of its key is delivered, which supersedes it.
   */
  edited?: number;
  /** Written in the same transaction as the entries (the last value of a name wins). */
  cursors?: Cursors;
}

export interface Store {
  /** Durable stores commit before resolving: only then may the input be acknowledged. */
  enqueue(entries: NewEntry[], opts?: EnqueueOptions): Promise<EnqueueResult>;
  /** The read position last committed under `name`, undefined before the first. */
  cursor(name: string): Promise<CursorValue | undefined>;
  /** Forgets the read position `name` (a source starts again from its first row). */
  resetCursor(name: string): Promise<void>;
  /**
   * Claim up to `limit` due waiting entries of `owner` (oldest first) for `leaseMs`,
   * under a new lease token; a key already in flight is never claimed twice.
   * Expired leases are claimable. The entries carry no `original` (see `originals`).
   */
  claim(owner: string, limit: number, leaseMs: number): Promise<Entry[]>;
  /** The originals of entries by id (those without one, or gone, are not in the map). */
  originals(ids: number[]): Promise<Map<number, unknown>>;
  /**
   * The entries reached the server: they become `delivered` (kept, under the same
   * lease, until `reported`) and their key and hash are remembered; the owner's
   * delivered count grows. Older entries of the same keys (lower id) that are dead,
   * or waiting because they were replayed while the newer one was on the wire,
   * become dead letters with reason `superseded`.
   */
  delivered(held: Held[], exchange?: Exchange): Promise<number[]>;
  /**
   * The delivered entries' outputs were sent: forget them (their personal data
   * with them). What is delivered and not reported when its lease ends (a crash
   * between the two) is handed out again by `unreported`.
   */
  reported(held: Held[]): Promise<number[]>;
  /**
   * Retention of delivered data: forgets up to `limit` remembered deliveries (key, hash,
   * time) older than `olderThanMs`, oldest first, up to `limit` journal events as old, and
   * up to `limit` cursors under MEMORY_PREFIX last written as long ago, and answers the
   * largest of the counts. A record of such a key is then sent again even
   * with the same content (BTXH takes it as an update). The delivered counts stay. Callers
   * repeat while it answers `limit` (./retention.ts).
   */
  forget(olderThanMs: number, limit: number): Promise<number>;
  /** Delivered entries of `owner` whose lease ended unreported, leased again for `leaseMs`. */
  unreported(owner: string, limit: number, leaseMs: number): Promise<Entry[]>;
  /** Back to waiting after a transient failure: attempts += 1, not before `delayMs` from now. */
  retry(held: Held[], error: Problem[], delayMs: number, exchange?: Exchange): Promise<number[]>;
  /**
   * `tried`: the entries were just sent and failed, so that try counts as an attempt (a dead
   * letter tells how many tries it got); `exchange`: what that try's answer was.
   */
  dead(held: Held[], reason: DeadReason, error: Problem[], opts?: { tried?: boolean; exchange?: Exchange }): Promise<number[]>;
  /**
   * Waiting entries of `owner` accepted more than `budgetMs` ago become dead
   * letters (`undeliverable`, `error`), and are returned: the time budget ran
   * out while nothing could be sent. In-flight entries are left to their sender.
   */
  expire(owner: string, budgetMs: number, error: Problem[]): Promise<Entry[]>;
  /**
   * Every waiting and in-flight entry of `owner` becomes a dead letter
   * (`undeliverable`, `error`), returned: a store that cannot keep them (memory)
   * reports them all at a stop, the ones waiting in backoff included.
   */
  abandon(owner: string, error: Problem[]): Promise<Entry[]>;
  /**
   * Dead letters of `owner` back to waiting (attempts reset, key kept). Returns how
   * many. Superseded letters are never replayed, whatever the filter.
   */
  replay(owner: string, filter?: ReplayFilter): Promise<number>;
  /** Renews for `leaseMs` (from now) the lease of entries still held under their token (in flight or delivered). */
  extend(held: Held[], leaseMs: number): Promise<number[]>;
  /** In-flight entries still held under their token back to waiting (a stop). */
  release(held: Held[]): Promise<number[]>;
  /**
   * Only for a store that belongs to one process (sqlite): when `owner`'s sender
   * starts, whoever held its in-flight entries is gone (a crash, a SIGKILL, a
   * power cut): they are due now, not after their lease, and so are delivered
   * entries left unreported. Waits set by the last run are dropped too (its
   * monotonic clock is not this one's). Returns how many in-flight entries came
   * back. Shared stores (postgres) leave it out: another instance may be sending them.
   */
  recover?(owner: string): Promise<number>;
  /**
   * What the store found wrong with its own files when it opened (a damaged WAL
   * whose committed transactions recovery dropped, a failed integrity check).
   * It still works; the node shows this in red and logs it, never silently.
   */
  readonly damage?: Problem;
  counts(owner: string): Promise<Counts>;
  /**
   * A store bounded in size (memory): how many more entries it takes now. `enqueue` beyond it
   * is refused whole (`queueFull`), so the process never runs out of memory; the Sender waits
   * for room while BTXH drains the queue. Stores on disk leave it out.
   */
  room?(): number;
  deadLetters(owner: string, limit?: number): Promise<Entry[]>;
  /**
   * The journal of one dossier (MaHoSo): every event of every record of every operation
   * for it, oldest first, at most `limit` (the newest kept when there are more). Every
   * write above journals what it does in its own transaction (./journal.ts): enqueue
   * `accepted` and `skipped`; delivered `delivered` and `superseded`; retry `retried`;
   * dead, expire and abandon `rejected` or `dead`; replay `replayed`.
   */
  history(dossier: string, limit?: number): Promise<JournalEvent[]>;
  /**
   * A report's read of the journal: up to `limit` events written after `after` (a position
   * from an earlier answer; 0 to start) whose time is `from` or later, in the order written,
   * and the position to read on from (`next`; the same when nothing is left).
   */
  events(from: number, after: number, limit: number): Promise<{ events: JournalEvent[]; next: number }>;
  /**
   * A report's read of the queue: up to `limit` entries not yet delivered (waiting, in
   * flight, dead) after entry id `after`, in id order, without their records.
   */
  queued(after: number, limit: number): Promise<Queued[]>;
  close(): Promise<void>;
}

/**
 * A bounded store could not take `count` records (`free` places were left): the error `enqueue`
 * throws, and the one the Sender gives an input it stops waiting for.
 */
export function queueFull(count: number, free: number): Error & { problem: Problem } {
  return Object.assign(new Error('the memory queue is full'), { problem: { field: null, code: 'queueFull', params: { count, free: Math.max(0, free) } } });
}

/** How many of `items` each owner has: a store adds its skips to each owner's counter once per enqueue. */
export function countByOwner(items: { owner: string }[]): Map<string, number> {
  const by = new Map<string, number>();
  for (const i of items) by.set(i.owner, (by.get(i.owner) ?? 0) + 1);
  return by;
}
