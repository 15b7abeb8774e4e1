import type { Problem } from '../problem';
import type { Counts, DeadReason, EnqueueResult, Entry, NewEntry, ReplayFilter, Store } from './store';

/** How many delivered (key -> hash) pairs are remembered for idempotency. */
const REMEMBERED_KEYS = 100_000;

/**
 * The outbox in memory: nothing survives a restart, so it suits tests, the demo
 * and flows that can re-read their source. It keeps the same rules as the
 * durable stores so a flow behaves the same when the store is switched:
 * - entries of one key go out oldest first and never two at once (a newer step
 *   must not overtake an older one, nor race it);
 * - a key delivered with the same content is skipped on enqueue (unless resend);
 * - a lease that expires (a crashed or stuck sender) makes the entry claimable again;
 * - delivering an entry supersedes the older dead (or replayed, waiting) entries of its key.
 */
export class MemoryStore implements Store {
  /** Waiting, in-flight and dead entries; Map order = id order = oldest first. */
  private entries = new Map<number, Entry>();
  private leases = new Map<number, number>();
  /** Last delivered hash per key; re-set on update so the oldest key is evicted first. */
  private deliveredHash = new Map<string, string>();
  private deliveredCount = new Map<string, number>();
  /** Ids of the waiting, in-flight and dead entries of each key. */
  private byKey = new Map<string, Set<number>>();
  private nextId = 1;
  private readonly now: () => number;

  /** `now`: clock in epoch ms (tests move it to expire leases without sleeping). */
  constructor(private readonly opts: { rememberKeys?: number; now?: () => number } = {}) {
    this.now = opts.now ?? Date.now;
  }

  async enqueue(items: NewEntry[], opts: { resend?: boolean } = {}): Promise<EnqueueResult> {
    const result: EnqueueResult = { accepted: [], skipped: [] };
    const now = this.now();
    for (const item of items) {
      if (!opts.resend && this.deliveredHash.get(item.key) === item.hash) {
        result.skipped.push(item);
        continue;
      }
      const entry: Entry = { ...item, id: this.nextId++, state: 'waiting', attempts: 0, createdAt: now, notBefore: 0 };
      this.entries.set(entry.id, entry);
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
    // Only the oldest unfinished entry of a key may go; any owner's entry holds the key.
    const seen = new Set<string>();
    for (const e of this.entries.values()) {
      if (out.length >= limit) break;
      if (e.state === 'dead') continue;
      if (seen.has(e.key)) continue;
      seen.add(e.key);
      if (e.owner !== owner) continue;
      if (e.notBefore > now || this.held(e.key, now)) continue;
      e.state = 'inflight';
      this.leases.set(e.id, now + leaseMs);
      out.push(copy(e));
    }
    return out;
  }

  async delivered(ids: number[]): Promise<void> {
    const now = this.now();
    for (const id of ids) {
      const e = this.entries.get(id);
      if (!e) continue;
      this.entries.delete(id);
      this.leases.delete(id);
      const same = this.byKey.get(e.key);
      same?.delete(id);
      this.remember(e.key, e.hash);
      this.deliveredCount.set(e.owner, (this.deliveredCount.get(e.owner) ?? 0) + 1);
      // Older versions of the key must never be sent after this one.
      for (const other of same ?? []) {
        const o = this.entries.get(other);
        if (!o || o.id > id || o.reason === 'superseded') continue;
        if (o.state !== 'dead' && o.state !== 'waiting') continue;
        o.state = 'dead';
        o.reason = 'superseded';
        o.deadAt = now;
      }
      if (same && !same.size) this.byKey.delete(e.key);
    }
  }

  async retry(ids: number[], error: Problem[], notBefore: number): Promise<void> {
    for (const id of ids) {
      const e = this.entries.get(id);
      if (!e || e.state === 'dead') continue;
      e.state = 'waiting';
      e.attempts += 1;
      e.notBefore = notBefore;
      e.lastError = error;
      this.leases.delete(id);
    }
  }

  async dead(ids: number[], reason: DeadReason, error: Problem[], opts: { tried?: boolean } = {}): Promise<void> {
    const now = this.now();
    for (const id of ids) {
      const e = this.entries.get(id);
      if (!e) continue;
      if (opts.tried) e.attempts += 1;
      e.state = 'dead';
      e.reason = reason;
      e.lastError = error;
      e.deadAt = now;
      this.leases.delete(id);
    }
  }

  async replay(owner: string, filter: ReplayFilter = {}): Promise<number> {
    const keys = filter.keys ? new Set(filter.keys) : undefined;
    let n = 0;
    for (const e of this.entries.values()) {
      if (e.owner !== owner || e.state !== 'dead') continue;
      if (keys && !keys.has(e.key)) continue;
      if (filter.reason && e.reason !== filter.reason) continue;
      if (e.reason === 'superseded') continue;
      e.state = 'waiting';
      e.attempts = 0;
      e.notBefore = 0;
      delete e.reason;
      delete e.deadAt;
      n++;
    }
    return n;
  }

  async extend(ids: number[], leaseMs: number): Promise<void> {
    const until = this.now() + leaseMs;
    for (const id of ids) {
      if (this.entries.get(id)?.state === 'inflight') this.leases.set(id, until);
    }
  }

  async release(owner: string): Promise<void> {
    for (const e of this.entries.values()) {
      if (e.owner === owner && e.state === 'inflight') {
        e.state = 'waiting';
        this.leases.delete(e.id);
      }
    }
  }

  async counts(owner: string): Promise<Counts> {
    const now = this.now();
    const c: Counts = { waiting: 0, inflight: 0, dead: 0, delivered: this.deliveredCount.get(owner) ?? 0, oldestMs: 0 };
    let oldest = Infinity;
    for (const e of this.entries.values()) {
      if (e.owner !== owner) continue;
      c[e.state === 'delivered' ? 'delivered' : e.state] += 1;
      if (e.state === 'waiting' || e.state === 'inflight') oldest = Math.min(oldest, e.createdAt);
    }
    if (oldest !== Infinity) c.oldestMs = Math.max(0, now - oldest);
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

  async close(): Promise<void> {
    // Nothing to flush: the memory store is not durable by design.
  }

  /** Another entry of the key is in flight under a live lease (e.g. a newer one sent while an older was replayed). */
  private held(key: string, now: number): boolean {
    for (const id of this.byKey.get(key) ?? []) {
      const o = this.entries.get(id);
      if (o?.state === 'inflight' && (this.leases.get(id) ?? 0) > now) return true;
    }
    return false;
  }

  private remember(key: string, hash: string): void {
    this.deliveredHash.delete(key);
    this.deliveredHash.set(key, hash);
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
