import { systemClock } from '../clock';
import type { Problem } from '../problem';
import { deadKind, eventOf, JournalRing, ofDossier, tell, type Exchange, type JournalEvent, type Queued } from './journal';
import { acceptedEntry, MEMORY_PREFIX, queueFull, type Counts, type CursorValue, type DeadReason, type EnqueueOptions, type EnqueueResult, type Entry, type Held, type NewEntry, type ReplayFilter, type Store } from './store';

/** How many delivered (key -> hash) pairs are remembered for idempotency. */
const REMEMBERED_KEYS = 100_000;

/**
 * Records a memory queue holds by default: a record and its original take a few KB, so
 * 50,000 stay well within a small VM; a larger backlog belongs in the SQLite queue.
 */
export const MEMORY_CAPACITY = 50_000;

/**
 * The outbox in memory: nothing survives a restart, so it suits tests, the demo
 * and flows that can re-read their source. It keeps the same rules as the
 * durable stores so a flow behaves the same when the store is switched:
 * - entries of one key go out oldest first and never two at once (a newer step
 *   must not overtake an older one, nor race it);
 * - a key delivered with the same content is skipped on enqueue (unless resend);
 * - a lease that expires (a stuck sender) makes the entry claimable again, and
 *   the stuck sender's late outcome is refused (fencing by lease token);
 * - delivering an entry supersedes the older dead (or replayed, waiting) entries of its key.
 */
export class MemoryStore implements Store {
  /** Waiting, in-flight, delivered-unreported and dead entries; Map order = id order = oldest first. */
  private entries = new Map<number, Entry>();
  /**
   * The waiting and in-flight entries, oldest first: what claim walks. Delivered entries wait
   * up to a second to be reported, thousands of them in a backfill, and claim once walked them all.
   */
  private open = new Map<number, Entry>();
  /**
   * Per owner: its open entries in id order (the first is its oldest) and how many of its entries
   * are in each counted state, kept as entries move, so that counts() — asked on every status
   * refresh and by a source's poll — costs the same with 50,000 waiting as with none.
   */
  private owners = new Map<string, { open: Map<number, Entry>; waiting: number; inflight: number; dead: number }>();
  private leases = new Map<number, number>();
  /** Last delivered hash and time per key; re-set on update, so Map order is delivery order (oldest first). */
  private deliveredHash = new Map<string, { hash: string; at: number }>();
  private deliveredCount = new Map<string, number>();
  private skippedCount = new Map<string, number>();
  /** Ids of the waiting, in-flight and dead entries of each key. */
  private byKey = new Map<string, Set<number>>();
  private nextId = 1;
  private nextLease = 1;
  /** The newest events only (JOURNAL_MEMORY_MAX): a memory queue keeps nothing for long anyway. */
  private readonly journal = new JournalRing();
  private readonly now: () => number;

  /**
   * `now`: clock in ms (tests move it to expire leases without sleeping); monotonic by default.
   * `capacity`: entries held at most (waiting, in flight, unreported and dead), MEMORY_CAPACITY by default.
   */
  constructor(private readonly opts: { rememberKeys?: number; now?: () => number; capacity?: number } = {}) {
    this.now = opts.now ?? systemClock.now;
    this.capacity = Math.max(1, Math.floor(opts.capacity ?? MEMORY_CAPACITY));
  }

  private readonly capacity: number;

  /** Read positions as JSON text (what a caller gets back is never the object it gave), in the order last written. */
  private cursors = new Map<string, { text: string; at: number }>();

  async cursor(name: string): Promise<CursorValue | undefined> {
    const c = this.cursors.get(name);
    return c === undefined ? undefined : (JSON.parse(c.text) as CursorValue);
  }

  async resetCursor(name: string): Promise<void> {
    this.cursors.delete(name);
  }

  room(): number {
    return Math.max(0, this.capacity - this.entries.size);
  }

  async enqueue(items: NewEntry[], opts: EnqueueOptions = {}): Promise<EnqueueResult> {
    // Refused whole, before anything is written: the caller hears it and nothing is half-taken.
    if (items.length > this.room()) throw queueFull(items.length, this.room());
    const result: EnqueueResult = { accepted: [], skipped: [] };
    const now = this.now();
    for (const [name, value] of opts.cursors ?? []) {
      this.cursors.delete(name);
      this.cursors.set(name, { text: JSON.stringify(value), at: now });
    }
    const letter = opts.edited !== undefined ? this.entries.get(opts.edited) : undefined;
    if (letter) this.journal.add(eventOf(now, letter, letter.id, 'edited'));
    for (const item of items) {
      if (!opts.resend && this.deliveredHash.get(item.key)?.hash === item.hash) {
        result.skipped.push(item);
        this.journal.add(eventOf(now, item, 0, 'skipped'));
        this.skippedCount.set(item.owner, (this.skippedCount.get(item.owner) ?? 0) + 1);
        continue;
      }
      const entry = acceptedEntry(item, this.nextId++, now);
      this.entries.set(entry.id, entry);
      this.owner(entry.owner).waiting += 1;
      this.track(entry);
      let ids = this.byKey.get(entry.key);
      if (!ids) this.byKey.set(entry.key, (ids = new Set()));
      ids.add(entry.id);
      result.accepted.push(copy(entry));
    }
    return result;
  }

  async claim(owner: string, limit: number, leaseMs: number): Promise<Entry[]> {
    const now = this.now();
    const out: Entry[] = [];
    const lease = String(this.nextLease++);
    // Only the oldest unfinished entry of a key may go; any owner's entry holds the key.
    const seen = new Set<string>();
    for (const e of this.open.values()) {
      if (out.length >= limit) break;
      if (seen.has(e.key)) continue;
      seen.add(e.key);
      if (e.owner !== owner) continue;
      if (e.state === 'waiting' && e.notBefore > now) continue;
      if (this.held(e.key, now)) continue;
      this.move(e, 'inflight');
      e.lease = lease;
      this.leases.set(e.id, now + leaseMs);
      out.push(claimed(e));
    }
    return out;
  }

  async originals(ids: number[]): Promise<Map<number, unknown>> {
    const out = new Map<number, unknown>();
    for (const id of ids) {
      const e = this.entries.get(id);
      if (e && e.original !== undefined) out.set(id, e.original);
    }
    return out;
  }

  async delivered(held: Held[], exchange?: Exchange): Promise<number[]> {
    const now = this.now();
    const written: number[] = [];
    for (const h of held) {
      const e = this.mine(h, 'inflight');
      if (!e) continue;
      this.move(e, 'delivered');
      this.untrack(e);
      const same = this.byKey.get(e.key);
      same?.delete(e.id);
      if (same && !same.size) this.byKey.delete(e.key);
      this.remember(e.key, e.hash);
      this.deliveredCount.set(e.owner, (this.deliveredCount.get(e.owner) ?? 0) + 1);
      this.journal.add(eventOf(now, e, e.id, 'delivered', { attempt: e.attempts + 1, exchange }));
      // Older versions of the key must never be sent after this one.
      for (const other of same ?? []) {
        const o = this.entries.get(other);
        if (!o || o.id > e.id || o.reason === 'superseded') continue;
        if (o.state !== 'dead' && o.state !== 'waiting') continue;
        this.untrack(o);
        this.move(o, 'dead');
        o.reason = 'superseded';
        o.deadAt = now;
        this.journal.add(eventOf(now, o, o.id, 'superseded'));
      }
      written.push(e.id);
    }
    return written;
  }

  async reported(held: Held[]): Promise<number[]> {
    const written: number[] = [];
    for (const h of held) {
      if (!this.mine(h, 'delivered')) continue;
      this.entries.delete(h.id);
      this.leases.delete(h.id);
      written.push(h.id);
    }
    return written;
  }

  async unreported(owner: string, limit: number, leaseMs: number): Promise<Entry[]> {
    const now = this.now();
    const lease = String(this.nextLease++);
    const out: Entry[] = [];
    for (const e of this.entries.values()) {
      if (out.length >= limit) break;
      if (e.owner !== owner || e.state !== 'delivered' || (this.leases.get(e.id) ?? 0) >= now) continue;
      e.lease = lease;
      this.leases.set(e.id, now + leaseMs);
      out.push(copy(e));
    }
    return out;
  }

  async retry(held: Held[], error: Problem[], delayMs: number, exchange?: Exchange): Promise<number[]> {
    const now = this.now();
    const notBefore = now + Math.max(0, delayMs);
    const written: number[] = [];
    for (const h of held) {
      const e = this.mine(h, 'inflight');
      if (!e) continue;
      this.move(e, 'waiting');
      e.attempts += 1;
      e.notBefore = notBefore;
      e.lastError = error;
      this.unlease(e);
      this.journal.add(eventOf(now, e, e.id, 'retried', { attempt: e.attempts, exchange, errors: error }));
      written.push(e.id);
    }
    return written;
  }

  async dead(held: Held[], reason: DeadReason, error: Problem[], opts: { tried?: boolean; exchange?: Exchange } = {}): Promise<number[]> {
    const now = this.now();
    const written: number[] = [];
    for (const h of held) {
      const e = this.mine(h, 'inflight');
      if (!e) continue;
      if (opts.tried) e.attempts += 1;
      this.bury(e, reason, error, now);
      this.journal.add(eventOf(now, e, e.id, deadKind(reason), { attempt: opts.tried ? e.attempts : undefined, exchange: opts.exchange, errors: error }));
      written.push(e.id);
    }
    return written;
  }

  async expire(owner: string, budgetMs: number, error: Problem[]): Promise<Entry[]> {
    const now = this.now();
    const out: Entry[] = [];
    for (const e of this.open.values()) {
      if (e.owner !== owner || e.state !== 'waiting' || now - e.createdAt <= budgetMs) continue;
      this.bury(e, 'undeliverable', error, now);
      this.journal.add(eventOf(now, e, e.id, 'dead', { errors: error }));
      out.push(copy(e));
    }
    return out;
  }

  async abandon(owner: string, error: Problem[]): Promise<Entry[]> {
    const now = this.now();
    const out: Entry[] = [];
    for (const e of this.open.values()) {
      if (e.owner !== owner) continue;
      this.bury(e, 'undeliverable', error, now);
      this.journal.add(eventOf(now, e, e.id, 'dead', { errors: error }));
      out.push(copy(e));
    }
    return out;
  }

  async replay(owner: string, filter: ReplayFilter = {}): Promise<number> {
    const keys = filter.keys ? new Set(filter.keys) : undefined;
    const now = this.now();
    let n = 0;
    for (const e of this.entries.values()) {
      if (e.owner !== owner || e.state !== 'dead') continue;
      if (keys && !keys.has(e.key)) continue;
      if (filter.reason && e.reason !== filter.reason) continue;
      if (e.reason === 'superseded') continue;
      this.move(e, 'waiting');
      e.attempts = 0;
      e.notBefore = now;
      delete e.reason;
      delete e.deadAt;
      this.journal.add(eventOf(now, e, e.id, 'replayed'));
      n++;
    }
    // Back among the open entries, in id order (a replay is rare; claim's walk is not).
    if (n) {
      this.open = new Map();
      for (const o of this.owners.values()) o.open = new Map();
      for (const e of this.entries.values()) if (e.state === 'waiting' || e.state === 'inflight') this.track(e);
    }
    return n;
  }

  async extend(held: Held[], leaseMs: number): Promise<number[]> {
    const until = this.now() + leaseMs;
    const written: number[] = [];
    for (const h of held) {
      const e = this.mine(h, 'inflight') ?? this.mine(h, 'delivered');
      if (!e) continue;
      this.leases.set(e.id, until);
      written.push(e.id);
    }
    return written;
  }

  async release(held: Held[]): Promise<number[]> {
    const written: number[] = [];
    for (const h of held) {
      const e = this.mine(h, 'inflight');
      if (!e) continue;
      this.move(e, 'waiting');
      this.unlease(e);
      written.push(e.id);
    }
    return written;
  }

  async counts(owner: string): Promise<Counts> {
    const now = this.now();
    const o = this.owners.get(owner);
    const c: Counts = { waiting: o?.waiting ?? 0, inflight: o?.inflight ?? 0, dead: o?.dead ?? 0, delivered: this.deliveredCount.get(owner) ?? 0, skipped: this.skippedCount.get(owner) ?? 0, oldestMs: 0 };
    // Ids grow with time (a monotonic clock), so the first open entry is the oldest.
    const first = o?.open.values().next().value as Entry | undefined;
    if (first) c.oldestMs = Math.max(0, now - first.createdAt);
    return c;
  }

  async deadLetters(owner: string, limit = 100): Promise<Entry[]> {
    const out: Entry[] = [];
    for (const e of this.entries.values()) {
      if (out.length >= limit) break;
      if (e.owner === owner && e.state === 'dead') out.push(copy(e));
    }
    return out;
  }

  async history(dossier: string, limit?: number): Promise<JournalEvent[]> {
    const queued: Queued[] = [];
    for (const e of this.entries.values()) if (ofDossier(e.key, dossier)) queued.push(queuedOf(e));
    return tell(this.journal.of(dossier), queued, dossier, limit);
  }

  async events(from: number, after: number, limit: number): Promise<{ events: JournalEvent[]; next: number }> {
    const got = this.journal.after(after, from, Math.max(0, Math.floor(limit)));
    return { events: got.map((w) => w.event), next: got.length ? got[got.length - 1].seq : after };
  }

  async queued(after: number, limit: number): Promise<Queued[]> {
    const out: Queued[] = [];
    for (const e of this.entries.values()) {
      if (out.length >= limit) break;
      if (e.id > after && e.state !== 'delivered') out.push(queuedOf(e));
    }
    return out;
  }

  async close(): Promise<void> {
    // Nothing to flush: the memory store is not durable by design.
  }

  /** The entry, if it is in `state` under the caller's lease token. */
  private mine(h: Held, state: Entry['state']): Entry | undefined {
    const e = this.entries.get(h.id);
    return e && e.state === state && e.lease !== undefined && e.lease === h.lease ? e : undefined;
  }

  private owner(owner: string) {
    let o = this.owners.get(owner);
    if (!o) this.owners.set(owner, (o = { open: new Map(), waiting: 0, inflight: 0, dead: 0 }));
    return o;
  }

  /** Every change of an entry's state goes through here, so the owner's counts stay true. */
  private move(e: Entry, to: Entry['state']): void {
    if (e.state === to) return;
    const o = this.owner(e.owner);
    if (e.state !== 'delivered') o[e.state] -= 1;
    if (to !== 'delivered') o[to] += 1;
    e.state = to;
  }

  /** Among the open entries (waiting or in flight), globally and for its owner. */
  private track(e: Entry): void {
    this.open.set(e.id, e);
    this.owner(e.owner).open.set(e.id, e);
  }

  private untrack(e: Entry): void {
    this.open.delete(e.id);
    this.owners.get(e.owner)?.open.delete(e.id);
  }

  private unlease(e: Entry): void {
    delete e.lease;
    this.leases.delete(e.id);
  }

  private bury(e: Entry, reason: DeadReason, error: Problem[], now: number): void {
    this.untrack(e);
    this.move(e, 'dead');
    e.reason = reason;
    e.lastError = error;
    e.deadAt = now;
    this.unlease(e);
  }

  /** Another entry of the key is in flight under a live lease (e.g. a newer one sent while an older was replayed). */
  private held(key: string, now: number): boolean {
    for (const id of this.byKey.get(key) ?? []) {
      const o = this.entries.get(id);
      if (o?.state === 'inflight' && (this.leases.get(id) ?? 0) > now) return true;
    }
    return false;
  }

  async forget(olderThanMs: number, limit: number): Promise<number> {
    const before = this.now() - olderThanMs;
    let n = 0;
    for (const [key, d] of this.deliveredHash) {
      if (n >= limit || d.at >= before) break;
      this.deliveredHash.delete(key);
      n++;
    }
    let m = 0;
    for (const [name, c] of this.cursors) {
      if (m >= limit || c.at >= before) break;
      if (!name.startsWith(MEMORY_PREFIX)) continue;
      this.cursors.delete(name);
      m++;
    }
    return Math.max(n, m, this.journal.prune(before, limit));
  }

  private remember(key: string, hash: string): void {
    this.deliveredHash.delete(key);
    this.deliveredHash.set(key, { hash, at: this.now() });
    const bound = this.opts.rememberKeys ?? REMEMBERED_KEYS;
    while (this.deliveredHash.size > bound) {
      const oldest = this.deliveredHash.keys().next().value as string;
      this.deliveredHash.delete(oldest);
    }
  }
}

/** Callers get snapshots, as from a database: changing one never changes the store. */
function copy(e: Entry): Entry {
  return { ...e };
}

/** A claim's copy: without the original, as every store claims (Store.claim). */
function claimed(e: Entry): Entry {
  const { original: _, ...rest } = e;
  return rest;
}

function queuedOf(e: Entry): Queued {
  const q: Queued = { id: e.id, owner: e.owner, op: e.op, key: e.key, state: e.state, createdAt: e.createdAt };
  if (e.facts) q.facts = e.facts;
  return q;
}
