import { EventEmitter } from 'events';
import type { OperationSpec } from '../fields/types';
import type { Counts, DeadReason, EnqueueResult, Entry, NewEntry, ReplayFilter, Store } from '../outbox/store';
import type { Problem } from '../problem';
import { delay, type BackoffOptions } from './backoff';
import { hashOf, keyOf } from './key';
import * as P from './problems';
import type { SendFailure, SendResult } from './result';

export type { SendResult, SendFailure } from './result';

export interface SenderOptions {
  store: Store;
  /** The node id: the sender only claims entries of this owner. */
  owner: string;
  op: OperationSpec;
  /** One HTTP exchange (Connection.send bound to the op's api). Should never throw. */
  send: (records: Record<string, unknown>[]) => Promise<SendResult>;
  /** Records per request (1 for the one-object-per-request body shape, D1). */
  batchSize?: number;
  /** Requests outstanding at once. */
  concurrency?: number;
  /** Total tries per record before it is dead-lettered as undeliverable. */
  attempts?: number;
  backoff?: { baseMs?: number; maxMs?: number };
  /**
   * How long a claim holds entries; a crashed sender's entries come back after it.
   * While a batch is being worked on (its request, its retries' bookkeeping, the
   * requests of a split) the sender renews its lease every leaseMs / 3.
   */
  leaseMs?: number;
  /** How often to look for due work when idle. */
  pollMs?: number;
  /** Raise 'unreachable' after the server has failed transiently for this long. */
  unreachableAfterMs?: number;
  /** Jitter source (tests make it deterministic). */
  random?: () => number;
}

export interface DeliveredInfo {
  status: number;
  body: unknown;
  /** Tries it took, this one included (the largest in the batch). */
  attempts: number;
}

/**
 * Drains one node's entries from the outbox to BTXH: batches, bounded
 * concurrency, retry with backoff, poison isolation, dead letters.
 *
 * Events: 'delivered' (entries, info) per delivered request; 'dead' (entry,
 * reason, problems) per dead letter; 'retry' (entries, problems, delayMs);
 * 'unreachable' (sinceMs, problem) / 'reachable' (); 'change' () when counts
 * may have moved; 'storeError' (err) when the outbox fails (the sender backs
 * off and carries on); 'listenerError' (err) when a listener throws. 'error' is
 * never emitted: a delivery outcome is data, not a crash.
 */
export class Sender extends EventEmitter {
  private readonly store: Store;
  private readonly owner: string;
  private readonly op: OperationSpec;
  private readonly sendFn: SenderOptions['send'];
  private readonly batchSize: number;
  private readonly concurrency: number;
  private readonly attempts: number;
  private readonly backoff: BackoffOptions;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly unreachableAfterMs: number;
  private readonly random: () => number;

  private running = false;
  private pumping = false;
  private again = false;
  private pumpPromise: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  /** Batches being worked on; each holds one concurrency slot, splits included. */
  private batches = 0;
  private records = 0;
  private readonly tasks = new Set<Promise<void>>();
  /** Lease renewal timers, one per batch being worked on. */
  private readonly renewals = new Set<NodeJS.Timeout>();
  /** notBefore values this sender set, to wake up when the first one is due. */
  private dues: number[] = [];
  private lastClaimAt = 0;
  private storeFailures = 0;
  private failingSince: number | undefined;
  private down = false;

  constructor(opts: SenderOptions) {
    super();
    this.store = opts.store;
    this.owner = opts.owner;
    this.op = opts.op;
    this.sendFn = opts.send;
    this.batchSize = Math.max(1, Math.floor(opts.batchSize ?? 50));
    this.concurrency = Math.max(1, Math.floor(opts.concurrency ?? 2));
    this.attempts = Math.max(1, Math.floor(opts.attempts ?? 5));
    this.backoff = { baseMs: opts.backoff?.baseMs ?? 1000, maxMs: opts.backoff?.maxMs ?? 60000 };
    this.leaseMs = opts.leaseMs ?? 5 * 60000;
    this.pollMs = Math.max(1, opts.pollMs ?? 1000);
    this.unreachableAfterMs = opts.unreachableAfterMs ?? 5 * 60000;
    this.random = opts.random ?? Math.random;
  }

  /** Records in an HTTP request right now. */
  get inFlight(): number {
    return this.records;
  }

  /** An outbox entry for a wire record of this sender's operation. */
  entry(record: Record<string, unknown>, original: unknown = record, meta?: Record<string, unknown>): NewEntry {
    const e: NewEntry = { owner: this.owner, op: this.op.id, key: keyOf(this.op, record), hash: hashOf(record), record, original };
    if (meta) e.meta = meta;
    return e;
  }

  /** Begin draining; this also picks up what a previous run left waiting (in-flight entries come back when their lease ends). */
  start(): void {
    if (this.running) return;
    this.running = true;
    if (!this.store.recover) return this.kick();
    // A one-process store (sqlite): entries left in flight by a run that died are due now, not after their lease.
    this.pumping = true;
    this.pumpPromise = this.store.recover(this.owner).then(
      () => undefined,
      (err: unknown) => this.fire('storeError', err),
    ).then(() => {
      this.pumping = false;
      this.kick();
    });
  }

  /** New work is there: drain now rather than at the next poll. */
  kick(): void {
    if (!this.running) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    this.pumpPromise = this.drain();
  }

  async accept(entries: NewEntry[], opts?: { resend?: boolean }): Promise<EnqueueResult> {
    const result = await this.store.enqueue(entries, opts);
    this.kick();
    this.fire('change');
    return result;
  }

  /**
   * Stop claiming, let the requests on the wire finish (up to timeoutMs), then
   * hand every entry still held back to the queue. A split batch does not start
   * new requests once stopping.
   */
  async stop(opts: { timeoutMs?: number } = {}): Promise<void> {
    const wasRunning = this.running;
    this.running = false;
    this.clearTimer();
    if (!wasRunning) return;
    let timeout: NodeJS.Timeout | undefined;
    const settled = Promise.all([this.pumpPromise, ...this.tasks]).then(() => undefined);
    const expired = new Promise<void>((resolve) => {
      timeout = setTimeout(resolve, Math.max(0, opts.timeoutMs ?? 10000));
      timeout.unref();
    });
    await Promise.race([settled, expired]);
    clearTimeout(timeout);
    // What is still on the wire is handed back now: its lease must not be renewed.
    for (const t of this.renewals) clearInterval(t);
    this.renewals.clear();
    try {
      await this.store.release(this.owner);
    } catch (err) {
      this.fire('storeError', err);
    }
    this.fire('change');
  }

  counts(): Promise<Counts> {
    return this.store.counts(this.owner);
  }

  async replay(filter?: ReplayFilter): Promise<number> {
    const n = await this.store.replay(this.owner, filter);
    this.kick();
    this.fire('change');
    return n;
  }

  /** Claim and launch batches while slots are free; then sleep until work is due. */
  private async drain(): Promise<void> {
    this.clearTimer();
    let failed = false;
    try {
      do {
        this.again = false;
        while (this.running && this.batches < this.concurrency) {
          const want = (this.concurrency - this.batches) * this.batchSize;
          this.lastClaimAt = Date.now();
          const claimed = await this.store.claim(this.owner, want, this.leaseMs);
          this.storeFailures = 0;
          // Stopped while claiming: the entries stay in flight and stop() releases them.
          if (!this.running) break;
          for (let i = 0; i < claimed.length; i += this.batchSize) this.launch(claimed.slice(i, i + this.batchSize));
          if (claimed.length) this.fire('change');
          if (claimed.length < want) break;
        }
      } while (this.again && this.running);
    } catch (err) {
      failed = true;
      this.storeFailures += 1;
      this.fire('storeError', err);
    }
    // No await from here on: a kick arriving now starts a new drain, never gets lost.
    this.pumping = false;
    if (this.running) this.schedule(failed);
  }

  private schedule(storeFailed: boolean): void {
    this.clearTimer();
    let wait: number;
    if (storeFailed) {
      wait = delay(this.storeFailures, this.backoff, this.random);
    } else {
      // All slots busy: a finishing batch drains again.
      if (this.batches >= this.concurrency) return;
      this.dues = this.dues.filter((t) => t > this.lastClaimAt);
      const first = this.dues.reduce((a, b) => Math.min(a, b), Infinity);
      wait = Math.min(this.pollMs, first - Date.now());
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.kick();
    }, Math.max(0, wait));
    // A waiting outbox must not keep Node-RED (or a test run) alive.
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private launch(batch: Entry[]): void {
    this.batches += 1;
    const renewal = this.renew(batch.map((e) => e.id));
    const task: Promise<void> = this.deliver(batch)
      .catch((err) => {
        // The outcome could not be recorded: the entries stay leased and come back after leaseMs.
        this.storeFailures += 1;
        this.fire('storeError', err);
      })
      .finally(() => {
        clearInterval(renewal);
        this.renewals.delete(renewal);
        this.batches -= 1;
        this.tasks.delete(task);
        this.fire('change');
        this.kick();
      });
    this.tasks.add(task);
  }

  /**
   * Renews the batch's lease every leaseMs / 3 until it settles, so a request
   * (or a split batch's requests) slower than the lease is not taken over by
   * another instance. The store renews only entries still in flight and held
   * here; a renewal that fails is reported and tried again at the next tick.
   */
  private renew(ids: number[]): NodeJS.Timeout {
    let pending = false;
    const timer = setInterval(() => {
      if (pending) return;
      pending = true;
      this.store.extend(ids, this.leaseMs).then(
        () => undefined,
        (err: unknown) => this.fire('storeError', err),
      ).finally(() => {
        pending = false;
      });
    }, Math.min(2 ** 31 - 1, Math.max(1, Math.floor(this.leaseMs / 3)))); // setInterval turns longer delays into 1 ms
    // A batch in flight is waited for by stop(), never by the timer.
    timer.unref();
    this.renewals.add(timer);
    return timer;
  }

  /** One request; a rejected batch is split in halves until the bad record is alone. */
  private async deliver(batch: Entry[]): Promise<void> {
    if (!this.running || !batch.length) return;
    const result = await this.exchange(batch);
    if (result.ok) {
      this.reachable();
      await this.store.delivered(batch.map((e) => e.id));
      const tries = batch.reduce((m, e) => Math.max(m, e.attempts + 1), 1);
      const done = batch.map((e) => ({ ...e, state: 'delivered' as const, attempts: e.attempts + 1 }));
      this.fire('delivered', done, { status: result.status, body: result.body, attempts: tries } satisfies DeliveredInfo);
      return;
    }
    if (result.kind === 'transient') return this.failed(batch, result);
    this.reachable(); // it answered, even if it said no
    if (batch.length > 1) {
      // In sequence, not in parallel: splitting must not exceed the concurrency the server was promised.
      const mid = Math.ceil(batch.length / 2);
      await this.deliver(batch.slice(0, mid));
      await this.deliver(batch.slice(mid));
      return;
    }
    await this.bury(batch, 'rejected', [P.rejectedByServer(result)]);
  }

  private async exchange(batch: Entry[]): Promise<SendResult> {
    this.records += batch.length;
    try {
      return await this.sendFn(batch.map((e) => e.record));
    } catch (err) {
      // send() should never throw; if it does, treat it as transient so nothing is lost.
      return { ok: false, kind: 'transient', code: 'sendThrew', message: err instanceof Error ? err.message : String(err) };
    } finally {
      this.records -= batch.length;
    }
  }

  private async failed(batch: Entry[], result: SendFailure): Promise<void> {
    const now = Date.now();
    this.unreachable(result, now);
    const exhausted = new Map<number, Entry[]>();
    const again: Entry[] = [];
    for (const e of batch) {
      const tries = e.attempts + 1;
      if (tries >= this.attempts) exhausted.set(tries, [...(exhausted.get(tries) ?? []), e]);
      else again.push(e);
    }
    for (const [tries, entries] of exhausted) await this.bury(entries, 'undeliverable', [P.undeliverable(result, tries)]);
    if (!again.length) return;
    const problems = [P.sendFailed(result)];
    const attempt = again.reduce((m, e) => Math.max(m, e.attempts + 1), 1);
    const wait = delay(attempt, { ...this.backoff, retryAfterMs: result.retryAfterMs }, this.random);
    const notBefore = now + wait;
    await this.store.retry(again.map((e) => e.id), problems, notBefore);
    this.dues.push(notBefore);
    const waiting = again.map((e) => ({ ...e, state: 'waiting' as const, attempts: e.attempts + 1, notBefore, lastError: problems }));
    this.fire('retry', waiting, problems, wait);
  }

  private async bury(entries: Entry[], reason: DeadReason, problems: Problem[]): Promise<void> {
    await this.store.dead(entries.map((e) => e.id), reason, problems, { tried: true });
    for (const e of entries) {
      this.fire('dead', { ...e, state: 'dead', reason, attempts: e.attempts + 1, lastError: problems }, reason, problems);
    }
  }

  private unreachable(result: SendFailure, now: number): void {
    if (this.failingSince === undefined) this.failingSince = now;
    const since = now - this.failingSince;
    if (!this.down && since >= this.unreachableAfterMs) {
      this.down = true;
      this.fire('unreachable', since, P.unreachable(result, since));
    }
  }

  private reachable(): void {
    this.failingSince = undefined;
    if (this.down) {
      this.down = false;
      this.fire('reachable');
    }
  }

  /** A listener's bug must not stop delivery: the store already holds the outcome. */
  private fire(event: string, ...args: unknown[]): void {
    try {
      this.emit(event, ...args);
    } catch (err) {
      if (event === 'listenerError') return;
      try {
        this.emit('listenerError', err);
      } catch {
        /* nothing left to tell */
      }
    }
  }
}
