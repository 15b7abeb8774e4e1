import { EventEmitter } from 'events';
import { NOT_SENT, type Failure, type SendOptions, type SendResult } from '../client/types';
import { MAX_TIMER_MS, systemClock, type Clock, type Timer } from '../clock';
import type { OperationSpec } from '../fields/types';
import { queueFull, type Counts, type DeadReason, type EnqueueResult, type Entry, type Held, type NewEntry, type ReplayFilter, type Store } from '../outbox/store';
import type { Exchange } from '../outbox/journal';
import { exchangeOf } from './exchange';
import { factsOf } from '../report/facts';
import type { Problem } from '../problem';
import { delay } from './backoff';
import { Circuit, type CircuitState } from './circuit';
import { hashOf, keyOf } from './key';
import { Limit } from './limit';
import { nextTurn } from './turns';
import { GroupCommit, type Page } from './commits';
import * as P from './problems';

export const DAY_MS = 24 * 3600_000;

/** A full memory queue is looked at this often while BTXH drains it... */
const ROOM_POLL_MS = 50;
/** ...and given up on when no room was freed for this long. */
const ROOM_STALL_MS = 30_000;

/** Defaults, in one place: the README and the editor say the same. */
export const SENDER_DEFAULTS = {
  batchSize: 50,
  concurrency: 2,
  giveUpAfterMs: 7 * DAY_MS,
  leaseMs: 5 * 60_000,
  unreachableAfterMs: 5 * 60_000,
  pollMs: 1000,
} as const;

/** Waits between tries of one record that failed transiently while its connection stays up. */
const RETRY = { baseMs: 1000, maxMs: 60_000 };
/** How often delivered entries whose output went out are forgotten (one write for many). */
const REPORT_EVERY_MS = 1000;
/**
 * Entries forgotten per write, the event loop getting its turn between writes: a second of a
 * backfill is 5,000 deliveries, and deleting them in one SQLite transaction (secure_delete
 * zeroes each row) held Node-RED for 80–180 ms every second.
 */
export const REPORT_CHUNK = 250;
/** A record that fails alone this many times with a 5xx or a timeout, while others go through, is the cause. */
const FAULTS_ALONE = 3;
/** How often the time budget is checked for records that wait while the connection is down. */
const SWEEP_EVERY_MS = 10 * 60_000;

/**
 * What a look at a record just before it is sent says (the decision's file link,
 * src/lib/client/document.ts): fine; refused for good (a dead letter, `rejected`,
 * replayable once the data or the file is fixed); or not known now (`transient`:
 * tried again later within the time budget, like a failed send, without
 * touching the connection's circuit: a file server is not BTXH).
 */
export type Precheck = { ok: true } | { ok: false; transient: boolean; problem: Problem };

export interface SenderOptions {
  store: Store;
  /** The node id: the sender only claims entries of this owner. */
  owner: string;
  op: OperationSpec;
  /** One HTTP exchange (Connection.send bound to the op's api). Should never throw. */
  /** `opts.ready` is the engine's last check before a request leaves (client/types.ts SendOptions). */
  send: (records: Record<string, unknown>[], opts?: SendOptions) => Promise<SendResult>;
  /** Looked at before each record is sent, at most `concurrency` at once. Should never throw. */
  check?: (record: Record<string, unknown>) => Promise<Precheck>;
  /** Records per request (1 for the one-object-per-request body shape, D1). */
  batchSize?: number;
  /** Requests outstanding at once. */
  concurrency?: number;
  /**
   * How long after it was accepted a record that fails only transiently
   * (outage, timeout, 5xx, 429, wrong credentials…) is given up on and
   * dead-lettered `undeliverable`. Default 7 days.
   */
  giveUpAfterMs?: number;
  /**
   * How long a claim holds entries; a crashed sender's entries come back after it.
   * While a batch is being worked on the sender renews its lease every leaseMs / 3.
   */
  leaseMs?: number;
  /** How often to look for due work when idle. */
  pollMs?: number;
  /** Raise 'unreachable' once the connection has been down this long. */
  unreachableAfterMs?: number;
  /** The health of this operation on the connection, shared by its senders; a private one when absent. */
  circuit?: Circuit;
  /** Time and timers (tests inject one they move by hand). */
  clock?: Clock;
  /** Jitter source (tests make it deterministic). */
  random?: () => number;
}

export interface DeliveredInfo {
  status?: number;
  body?: unknown;
  /** Tries it took, this one included (the largest in the batch). */
  attempts: number;
  /** Delivered by an earlier run whose output was lost (a crash between the two). */
  recovered?: boolean;
  /** D19: BTXH answered that it already had the records ("already exists"). */
  already?: boolean;
}

interface Suspect {
  /** Size of the batch it last failed in with a 5xx or a timeout. */
  size: number;
  /** Failures alone (size 1) while the server answered others. */
  alone: number;
  /** The circuit's answer count when it failed: later answers clear the server. */
  at: number;
  /** The answer count when it first failed so: the server has answered since, so it is up. */
  since: number;
}

/**
 * Drains one node's entries from the outbox to BTXH: batches, bounded
 * concurrency, a shared circuit that stops hammering a server that is down,
 * a time budget instead of a try count, poison isolation, fencing, dead letters.
 *
 * Events: 'delivered' (entries, info) per delivered request (and for what an
 * earlier run delivered without reporting); 'dead' (entry, reason, problems)
 * per dead letter; 'retry' (entries, problems, delayMs); 'unreachable'
 * (sinceMs, problem) / 'reachable' (); 'fenced' (ids) when the store refused
 * an outcome because another claim holds the entries now; 'change' () when
 * counts may have moved; 'storeError' (err) when the outbox fails (the sender
 * backs off and carries on); 'listenerError' (err) when a listener throws.
 * 'error' is never emitted: a delivery outcome is data, not a crash.
 */
export class Sender extends EventEmitter {
  private readonly store: Store;
  private readonly owner: string;
  private readonly op: OperationSpec;
  private readonly sendFn: SenderOptions['send'];
  private readonly check?: SenderOptions['check'];
  private readonly checking: Limit;
  private readonly batchSize: number;
  private readonly concurrency: number;
  private readonly giveUpAfterMs: number;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly unreachableAfterMs: number;
  private readonly circuit: Circuit;
  private readonly ownCircuit: boolean;
  private readonly clock: Clock;
  private readonly random: () => number;

  private running = false;
  private pumping = false;
  private again = false;
  private pumpPromise: Promise<void> = Promise.resolve();
  private timer: Timer | undefined;
  /** Batches being worked on; each holds one concurrency slot, splits included. */
  private batches = 0;
  private records = 0;
  private readonly tasks = new Set<Promise<void>>();
  /** Claimed entries whose outcome is not written yet: released at a stop. */
  private readonly holding = new Map<number, Held>();
  /** When each held lease was last confirmed by the store (claim or renewal), clock ms. */
  private readonly confirmedAt = new Map<number, number>();
  private readonly renewals = new Set<Timer>();
  private readonly suspects = new Map<number, Suspect>();
  private toReport: Held[] = [];
  /** One batch claimed while every slot was busy, sent by the first slot that frees (drain). */
  private ahead: Entry[] | undefined;
  private reportTimer: Timer | undefined;
  private reporting: Promise<void> = Promise.resolve();
  /** notBefore values (clock ms) this sender set, to wake up when the first one is due. */
  private dues: number[] = [];
  private lastClaimAt = 0;
  private lastUnreportedAt = -Infinity;
  private lastSweepAt = -Infinity;
  private storeFailures = 0;
  private probing = false;
  private warnTimer: Timer | undefined;
  /** The outage this sender warned about (its `since`), so one outage warns once. */
  private warnedFor: number | undefined;
  private readonly commits: GroupCommit;
  private readonly waitingRoom: { n: number; resolve(): void; reject(err: Error): void }[] = [];
  private waitingRecords = 0;
  private readonly onWake = () => this.kick();
  private readonly onDown = (s: CircuitState) => this.armWarning(s);
  private readonly onUp = () => this.recovered();

  constructor(opts: SenderOptions) {
    super();
    this.store = opts.store;
    this.commits = new GroupCommit((entries, o) => this.store.enqueue(entries, o));
    this.owner = opts.owner;
    this.op = opts.op;
    this.sendFn = opts.send;
    this.check = opts.check;
    this.batchSize = Math.max(1, Math.floor(opts.batchSize ?? SENDER_DEFAULTS.batchSize));
    this.concurrency = Math.max(1, Math.floor(opts.concurrency ?? SENDER_DEFAULTS.concurrency));
    this.checking = new Limit(this.concurrency);
    this.giveUpAfterMs = Math.max(0, opts.giveUpAfterMs ?? SENDER_DEFAULTS.giveUpAfterMs);
    this.leaseMs = Math.max(1, opts.leaseMs ?? SENDER_DEFAULTS.leaseMs);
    this.pollMs = Math.max(1, opts.pollMs ?? SENDER_DEFAULTS.pollMs);
    this.unreachableAfterMs = Math.max(0, opts.unreachableAfterMs ?? SENDER_DEFAULTS.unreachableAfterMs);
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? Math.random;
    this.ownCircuit = !opts.circuit;
    this.circuit = opts.circuit ?? new Circuit({ clock: this.clock, random: this.random });
  }

  /**
   * Records handed to accept() and not yet committed to the store: waiting for room, for their
   * commit, or in the commit under way (with the outbox on its own thread, Node-RED goes on
   * reading while a commit is written; counting it keeps what an input holds at once bounded).
   */
  get uncommitted(): number {
    return this.commits.pending + this.commits.inCommit + this.waitingRecords;
  }

  /** Records in an HTTP request right now. */
  get inFlight(): number {
    return this.records;
  }

  /** The connection's health for this operation, for the node status. */
  health(): CircuitState {
    return this.circuit.snapshot();
  }

  /** An outbox entry for a wire record of this sender's operation. */
  entry(record: Record<string, unknown>, original: unknown = record, meta?: Record<string, unknown>): NewEntry {
    const e: NewEntry = { owner: this.owner, op: this.op.id, key: keyOf(this.op, record), hash: hashOf(record), record, original };
    if (meta) e.meta = meta;
    const facts = factsOf(this.op, record);
    if (facts) e.facts = facts;
    return e;
  }

  /** Begin draining; this also picks up what a previous run left waiting, in flight or unreported. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.circuit.on('wake', this.onWake);
    this.circuit.on('up', this.onUp);
    this.circuit.on('down', this.onDown);
    const s = this.circuit.snapshot();
    if (!s.up) this.armWarning(s);
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

  /** Accepts of one turn of the event loop are committed together (./commits.ts); resolves once this part is. */
  async accept(entries: NewEntry[], opts?: { resend?: boolean; page?: Page }): Promise<EnqueueResult> {
    try {
      await this.room(entries.length);
    } catch (err) {
      // Refused before its commit: the page's read position must not pass these records.
      if (opts?.page) opts.page.failed = true;
      throw err;
    }
    const result = await this.commits.add(entries, opts?.resend === true, opts?.page);
    this.kick();
    this.fire('change');
    return result;
  }

  /**
   * Back-pressure of a bounded store (memory): inputs wait, in the order they came, while
   * BTXH drains the queue, and are refused whole (`queueFull`, nothing written) when it
   * cannot drain — BTXH unreachable, or no room freed for ROOM_STALL_MS (dead letters
   * fill it) — rather than held in memory until the process dies.
   */
  private room(n: number): Promise<void> {
    if (!this.store.room) return Promise.resolve();
    if (!this.waitingRoom.length && this.store.room() - this.commits.pending >= n) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waitingRoom.push({ n, resolve, reject });
      this.waitingRecords += n;
      if (this.waitingRoom.length === 1) void this.admit();
    });
  }

  /** Lets waiting inputs in, oldest first, as room is freed. */
  private async admit(): Promise<void> {
    const room = () => this.store.room!() - this.commits.pending;
    let free = room();
    let progress = this.clock.now();
    while (this.waitingRoom.length) {
      const head = this.waitingRoom[0];
      if (free >= head.n) {
        this.waitingRoom.shift();
        this.waitingRecords -= head.n;
        free -= head.n; // its commit is not queued yet
        head.resolve();
        continue;
      }
      if (!this.running || !this.circuit.snapshot().up || this.clock.now() - progress > ROOM_STALL_MS) {
        for (const w of this.waitingRoom.splice(0)) w.reject(queueFull(w.n, free));
        this.waitingRecords = 0;
        return;
      }
      await new Promise<void>((resolve) => this.clock.setTimeout(resolve, ROOM_POLL_MS));
      const now = room();
      if (now > free) progress = this.clock.now();
      free = now;
    }
  }

  /**
   * Stop claiming, let the requests on the wire finish (up to timeoutMs), then
   * hand every entry still held back to the queue. A request that answers after
   * that finds its entries released: the store refuses its outcome (fencing),
   * and the next run sends them.
   */
  async stop(opts: { timeoutMs?: number } = {}): Promise<void> {
    const wasRunning = this.running;
    this.running = false;
    this.clearTimer();
    this.circuit.off('wake', this.onWake);
    this.circuit.off('up', this.onUp);
    this.circuit.off('down', this.onDown);
    this.clock.clearTimeout(this.warnTimer);
    if (!wasRunning) return;
    let timeout: Timer | undefined;
    const settled = Promise.all([this.pumpPromise, ...this.tasks]).then(() => undefined);
    const expired = new Promise<void>((resolve) => {
      timeout = this.clock.setTimeout(resolve, Math.max(0, opts.timeoutMs ?? 10000));
    });
    await Promise.race([settled, expired]);
    this.clock.clearTimeout(timeout);
    for (const t of this.renewals) this.clock.clearTimeout(t);
    this.renewals.clear();
    if (this.probing) {
      this.probing = false;
      this.circuit.release();
    }
    this.ahead = undefined;
    const held = [...this.holding.values()];
    this.holding.clear();
    this.confirmedAt.clear();
    try {
      if (held.length) await this.store.release(held);
      await this.flushReports();
    } catch (err) {
      this.fire('storeError', err);
    }
    if (this.ownCircuit) this.circuit.close();
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

  /**
   * Replay with edit: a dead letter's record, corrected by hand, as a new entry of this sender
   * (sent even if that content was delivered before), its edit journalled with it. The letter
   * stays listed until the corrected record of its key is delivered and supersedes it.
   */
  async resendEdited(record: Record<string, unknown>, original: unknown, letter: number): Promise<EnqueueResult> {
    const result = await this.store.enqueue([this.entry(record, original, { edited: letter })], { resend: true, edited: letter });
    this.kick();
    this.fire('change');
    return result;
  }

  /** Claim and launch batches while slots are free and the connection lets us; then sleep until work is due. */
  private async drain(): Promise<void> {
    this.clearTimer();
    let failed = false;
    try {
      await this.housekeeping();
      do {
        this.again = false;
        while (this.running && this.batches < this.concurrency) {
          const permit = this.circuit.permit();
          if (permit === 'wait') {
            await this.giveBack();
            break;
          }
          const probe = permit === 'probe';
          if (probe) await this.giveBack();
          // A probe is one record: the least a server that may still be down is asked to take.
          const want = probe ? 1 : (this.concurrency - this.batches) * this.batchSize;
          let claimed: Entry[];
          const ahead = this.ahead;
          if (ahead) {
            claimed = ahead;
            this.ahead = undefined;
          } else {
            try {
              claimed = await this.take(want);
            } catch (err) {
              if (probe) this.circuit.release();
              throw err;
            }
          }
          // Stopped while claiming: the entries stay held and stop() releases them.
          if (!this.running) {
            if (probe) this.circuit.release();
            break;
          }
          if (probe) {
            if (!claimed.length) {
              this.circuit.release();
              break;
            }
            this.probing = true;
            this.launch(claimed, true);
          } else {
            for (const group of this.group(claimed)) this.launch(group, false);
          }
          if (claimed.length) this.fire('change');
          if (probe || (!ahead && claimed.length < want)) break;
        }
        // Every slot busy and the connection up: one batch is claimed ahead, so a slot that
        // frees sends it at once instead of waiting for a claim's round trip to the store
        // (on the outbox's own thread, behind the outcome writes).
        if (this.running && !this.ahead && this.batches >= this.concurrency && this.circuit.up) {
          const next = await this.take(this.batchSize);
          if (next.length) this.ahead = next;
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

  /** Claims up to `want` entries; they are this sender's until an outcome or a release. */
  private async take(want: number): Promise<Entry[]> {
    this.lastClaimAt = this.clock.now();
    const claimed = await this.store.claim(this.owner, want, this.leaseMs);
    this.storeFailures = 0;
    const at = this.clock.now();
    for (const e of claimed) {
      this.holding.set(e.id, e);
      this.confirmedAt.set(e.id, at);
    }
    return claimed;
  }

  /** The batch claimed ahead goes back to waiting when it may not be sent now (the connection is down, or only a probe may go). */
  private async giveBack(): Promise<void> {
    const ahead = this.ahead;
    if (!ahead) return;
    this.ahead = undefined;
    for (const e of ahead) {
      this.holding.delete(e.id);
      this.confirmedAt.delete(e.id);
    }
    await this.store.release(ahead);
    this.fire('change');
  }

  /**
   * What is not sending: outputs an earlier run delivered and never reported,
   * and, while the connection is down, records whose time budget ran out.
   */
  private async housekeeping(): Promise<void> {
    const now = this.clock.now();
    if (now - this.lastUnreportedAt >= this.leaseMs / 3) {
      this.lastUnreportedAt = now;
      for (;;) {
        const left = await this.store.unreported(this.owner, 500, this.leaseMs);
        if (!left.length) break;
        this.fire('delivered', left.map((e) => ({ ...e, state: 'delivered' as const })), { attempts: Math.max(1, ...left.map((e) => e.attempts + 1)), recovered: true } satisfies DeliveredInfo);
        this.report(left);
        if (left.length < 500) break;
      }
    }
    const down = this.circuit.snapshot();
    if (!down.up && now - this.lastSweepAt >= Math.min(SWEEP_EVERY_MS, Math.max(1000, this.giveUpAfterMs / 10))) {
      this.lastSweepAt = now;
      const gone = await this.store.expire(this.owner, this.giveUpAfterMs, [P.undeliverable(down.failure, this.giveUpAfterMs)]);
      for (const e of gone) this.fire('dead', e, 'undeliverable', e.lastError ?? []);
      if (gone.length) this.fire('change');
    }
  }

  /**
   * Claimed entries into batches. A record that failed with a 5xx or a timeout
   * while the server answered others is a suspect: it goes in a batch half the
   * size of the one it failed in, so a record that makes BTXH fail is found
   * without sinking its batch-mates again.
   */
  private group(claimed: Entry[]): Entry[][] {
    const out: Entry[][] = [];
    let plain: Entry[] = [];
    const split = new Map<number, Entry[]>();
    for (const e of claimed) {
      const s = this.suspects.get(e.id);
      if (s && this.circuit.answers > s.at) {
        const size = Math.max(1, Math.ceil(s.size / 2));
        const list = split.get(size) ?? [];
        list.push(e);
        split.set(size, list);
        continue;
      }
      plain.push(e);
      if (plain.length === this.batchSize) {
        out.push(plain);
        plain = [];
      }
    }
    if (plain.length) out.push(plain);
    for (const [size, list] of split) for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
    return out;
  }

  private schedule(storeFailed: boolean): void {
    this.clearTimer();
    let wait: number;
    if (storeFailed) {
      wait = delay(this.storeFailures, RETRY, this.random);
    } else {
      // All slots busy: a finishing batch drains again.
      if (this.batches >= this.concurrency) return;
      const now = this.clock.now();
      this.dues = this.dues.filter((t) => t > this.lastClaimAt && t > now - this.pollMs);
      if (this.circuit.up) {
        const first = this.dues.reduce((a, b) => Math.min(a, b), Infinity);
        wait = Math.min(this.pollMs, first - now);
      } else {
        // While the connection is down the circuit wakes its senders when a probe may go;
        // the sender itself only looks in now and then (the time budget; new work kicks anyway).
        wait = Math.max(this.pollMs, Math.min(SWEEP_EVERY_MS, this.circuit.waitMs()));
      }
    }
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.kick();
    }, Math.max(0, wait));
  }

  private clearTimer(): void {
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private launch(batch: Entry[], probe: boolean): void {
    this.batches += 1;
    // A slot is a request to BTXH: it is free once the answer is in, while the outcome is
    // written, so the next claim goes to the store right behind that write instead of after
    // its round trip (the outbox on its own thread does the two back to back).
    let freed = false;
    const free = (): void => {
      if (freed) return;
      freed = true;
      this.batches -= 1;
      this.kick();
    };
    const renewal = this.renew(batch);
    const task: Promise<void> = this.prechecked(batch)
      .then((ready) => this.deliver(ready, probe, free))
      .catch((err) => {
        // The outcome could not be recorded: the entries stay leased and come back after leaseMs.
        this.storeFailures += 1;
        this.fire('storeError', err);
      })
      .finally(() => {
        renewal.stop();
        if (probe && this.probing) {
          // The probe ended without telling the circuit (stopped, or the store failed).
          this.probing = false;
          this.circuit.release();
        }
        free();
        this.tasks.delete(task);
        this.fire('change');
        this.kick();
      });
    this.tasks.add(task);
  }

  /**
   * Renews the batch's lease every leaseMs / 3 until it settles, so a request
   * (or a split batch's requests) slower than the lease is not taken over by
   * another instance. The store renews only entries still held under their
   * token; a renewal that fails is reported and tried again at the next tick.
   */
  private renew(batch: Entry[]): { stop(): void } {
    let timer: Timer | undefined;
    let stopped = false;
    const every = Math.min(MAX_TIMER_MS, Math.max(1, Math.floor(this.leaseMs / 3)));
    const tick = () => {
      const held = batch.filter((e) => this.holding.has(e.id));
      this.confirm(held).catch((err: unknown) => this.fire('storeError', err)).finally(() => {
        if (stopped) return;
        timer = this.clock.setTimeout(tick, every);
        this.renewals.add(timer);
      });
    };
    timer = this.clock.setTimeout(tick, every);
    this.renewals.add(timer);
    return {
      stop: () => {
        stopped = true;
        this.clock.clearTimeout(timer);
        if (timer) this.renewals.delete(timer);
      },
    };
  }

  /**
   * One request. A rejected batch is split in halves until the bad record is
   * alone; a 5xx or a timeout while the server answers other requests is
   * split the same way; any other failure waits for the connection.
   */
  private async deliver(batch: Entry[], probe = false, free?: () => void): Promise<void> {
    if (!this.running || !batch.length) return;
    batch = await this.stillHeld(batch);
    if (!batch.length) return;
    const sentAt = this.circuit.answers;
    const started = this.clock.now();
    const result = await this.exchange(batch);
    const x = exchangeOf(result, this.clock.now() - started);
    if (result.ok) {
      this.answered(probe);
      // The whole batch went through: no further request of it, its slot is free (launch).
      free?.();
      await this.done(batch, result.status, result.body, x, result.already);
      return;
    }
    // One record per request: those before the failing one went through.
    const through = Math.max(0, Math.min(batch.length, Math.floor(result.delivered ?? 0)));
    if (through > 0) {
      // Their own answers were successes; the journal keeps the time the requests took.
      await this.done(batch.slice(0, through), result.status, result.body, { ms: x.ms });
      batch = batch.slice(through);
    }
    // Held back before it left (not all of it is ours any more): send what still is.
    if (result.code === NOT_SENT) return this.deliver(batch, probe);
    if (result.kind === 'rejected') {
      this.answered(probe);
      if (through > 0) {
        // The first of the rest is the one refused; the others were never sent.
        await this.bury(batch.slice(0, 1), 'rejected', P.refusal(result, this.op, batch[0].record), x);
        return this.deliver(batch.slice(1));
      }
      if (batch.length > 1) {
        // In sequence, not in parallel: splitting must not exceed the concurrency the server was promised.
        const mid = Math.ceil(batch.length / 2);
        await this.deliver(batch.slice(0, mid));
        await this.deliver(batch.slice(mid));
        return;
      }
      await this.bury(batch, 'rejected', P.refusal(result, this.op, batch.length === 1 ? batch[0].record : undefined), x);
      return;
    }
    // The server answered other requests while this one failed: the records may be the cause.
    // So too for a suspect already narrowed down to itself, sent while the connection is up,
    // when the server has answered since the suspicion began (it may be the last record left).
    const alone = batch.length === 1 ? this.suspects.get(batch[0].id) : undefined;
    if (mayBeRecords(result) && (this.circuit.answers > sentAt || (!probe && alone && alone.size <= 2 && this.circuit.answers > alone.since))) {
      if (probe) this.answered(true);
      return this.isolate(batch, result, x);
    }
    this.circuit.failed(result, probe);
    if (probe) this.probing = false;
    if (mayBeRecords(result)) {
      const at = this.circuit.answers;
      for (const e of batch) {
        const was = this.suspects.get(e.id);
        this.suspects.set(e.id, { size: batch.length, alone: was?.alone ?? 0, at, since: was?.since ?? at });
      }
    }
    await this.failed(batch, result, x);
  }

  /** A 5xx or a timeout on this batch while others go through: split it, or, alone, count it against the record. */
  private async isolate(batch: Entry[], result: Failure, x: Exchange): Promise<void> {
    const at = this.circuit.answers;
    if (batch.length > 1) {
      for (const e of batch) this.suspects.set(e.id, { size: batch.length, alone: 0, at, since: this.suspects.get(e.id)?.since ?? at });
      const mid = Math.ceil(batch.length / 2);
      await this.deliver(batch.slice(0, mid));
      await this.deliver(batch.slice(mid));
      return;
    }
    const [e] = batch;
    const alone = (this.suspects.get(e.id)?.alone ?? 0) + 1;
    if (alone >= FAULTS_ALONE) {
      this.suspects.delete(e.id);
      await this.bury(batch, 'rejected', [P.failsOnRecord(result, alone)], x);
      return;
    }
    this.suspects.set(e.id, { size: 1, alone, at, since: this.suspects.get(e.id)?.since ?? at });
    await this.failed(batch, result, x);
  }

  private answered(probe: boolean): void {
    if (probe) this.probing = false;
    this.circuit.answered();
  }

  private async exchange(batch: Entry[]): Promise<SendResult> {
    this.records += batch.length;
    try {
      return await this.sendFn(batch.map((e) => e.record), { ready: () => this.stillOurs(batch) });
    } catch (err) {
      // send() should never throw; if it does, treat it as transient so nothing is lost.
      return { ok: false, kind: 'transient', code: 'sendThrew', message: err instanceof Error ? err.message : String(err) };
    } finally {
      this.records -= batch.length;
    }
  }

  /** Delivered: written, reported on output 1, forgotten once the output is out. */
  private async done(batch: Entry[], status: number | undefined, body: unknown, x: Exchange, already?: boolean): Promise<void> {
    const ok = await this.store.delivered(batch, x);
    const mine = this.settle(batch, ok);
    for (const e of batch) this.suspects.delete(e.id);
    if (!mine.length) return;
    const tries = mine.reduce((m, e) => Math.max(m, e.attempts + 1), 1);
    const out = mine.map((e) => ({ ...e, state: 'delivered' as const, attempts: e.attempts + 1 }));
    this.fire('delivered', out, { status, body, attempts: tries, ...(already ? { already } : {}) } satisfies DeliveredInfo);
    this.report(mine);
  }

  /** Transient failure: wait and try again, unless the record's time budget is spent. */
  private failed(batch: Entry[], result: Failure, x: Exchange): Promise<void> {
    return this.later(batch, [P.sendFailed(result)], P.undeliverable(result, this.giveUpAfterMs), result.retryAfterMs, x);
  }

  /**
   * Back to waiting with `problems`, after a growing wait; past the time budget, a dead letter
   * with `over` instead. `x`: the exchange that failed (none when the check before sending did).
   */
  private async later(batch: Entry[], problems: Problem[], over: Problem, retryAfterMs?: number, x?: Exchange): Promise<void> {
    const now = this.clock.now();
    const spent = batch.filter((e) => now - e.createdAt > this.giveUpAfterMs);
    if (spent.length) await this.bury(spent, 'undeliverable', [over, ...problems.filter((p) => p.field)], x);
    const again = batch.filter((e) => !spent.includes(e));
    if (!again.length) return;
    const attempt = again.reduce((m, e) => Math.max(m, e.attempts + 1), 1);
    const wait = delay(attempt, { ...RETRY, retryAfterMs }, this.random);
    const ok = await this.store.retry(again, problems, wait, x);
    const mine = this.settle(again, ok);
    this.dues.push(now + wait);
    const waiting = mine.map((e) => ({ ...e, state: 'waiting' as const, attempts: e.attempts + 1, notBefore: now + wait, lastError: problems }));
    if (waiting.length) this.fire('retry', waiting, problems, wait);
  }

  /**
   * The records of a claimed batch that may be sent, after `check` (the decision's file
   * link): those refused become dead letters, those that cannot be checked now wait.
   */
  private async prechecked(batch: Entry[]): Promise<Entry[]> {
    const check = this.check;
    if (!check || !batch.length) return batch;
    const results = await Promise.all(
      batch.map((e) =>
        this.checking.run(async (): Promise<Precheck> => {
          try {
            return await check(e.record);
          } catch (err) {
            // check() should never throw; if it does, the record waits rather than being lost or sent unchecked.
            return { ok: false, transient: true, problem: { field: null, code: 'sendThrew', params: { message: err instanceof Error ? err.message : String(err) } } };
          }
        }),
      ),
    );
    const ready: Entry[] = [];
    for (let i = 0; i < batch.length; i++) {
      const r = results[i];
      if (r.ok) ready.push(batch[i]);
      else if (!r.transient) await this.bury([batch[i]], 'rejected', [r.problem]);
      else await this.later([batch[i]], [r.problem], P.undeliverable({ code: r.problem.code, message: '' }, this.giveUpAfterMs));
    }
    return ready;
  }

  private async bury(entries: Entry[], reason: DeadReason, problems: Problem[], exchange?: Exchange): Promise<void> {
    const ok = await this.store.dead(entries, reason, problems, { tried: true, exchange });
    const mine = this.settle(entries, ok);
    // A claim carries no originals (Store.claim); output 2 shows the record as received.
    const originals = await this.originalsOf(mine);
    for (const e of mine) {
      this.suspects.delete(e.id);
      this.fire('dead', { ...e, original: originals.get(e.id), state: 'dead', reason, attempts: e.attempts + 1, lastError: problems }, reason, problems);
    }
  }

  /**
   * The originals of dead entries, read from the store: the entries are a claim's, which carries
   * none. Unreadable now (the store failed): the wire record stands in, so the dead letter still
   * reaches output 2 (the store keeps the original).
   */
  private async originalsOf(entries: Entry[]): Promise<Map<number, unknown>> {
    if (!entries.length) return new Map();
    try {
      return await this.store.originals(entries.map((e) => e.id));
    } catch (err) {
      this.fire('storeError', err);
      return new Map(entries.map((e) => [e.id, e.record]));
    }
  }

  /** Renews the leases; those the store refused are another claim's now (fenced). */
  private async confirm(held: Held[]): Promise<number[]> {
    if (!held.length) return [];
    const at = this.clock.now();
    const ok = await this.store.extend(held, this.leaseMs);
    for (const id of ok) if (this.holding.has(id)) this.confirmedAt.set(id, at);
    this.fenced(held, ok);
    return ok;
  }

  /**
   * The entries of the batch this sender may still send. A lease not confirmed
   * for half its length (the process was frozen, or a split batch ran long) is
   * renewed first: an instance that wakes up after another took its entries
   * over must not send them while the other does.
   */
  private async stillHeld(batch: Entry[]): Promise<Entry[]> {
    const now = this.clock.now();
    const mine = batch.filter((e) => this.holding.has(e.id));
    const stale = mine.filter((e) => now - (this.confirmedAt.get(e.id) ?? -Infinity) > this.leaseMs / 2);
    if (!stale.length) return mine;
    const ok = new Set(await this.confirm(stale));
    return mine.filter((e) => !stale.includes(e) || ok.has(e.id));
  }

  /**
   * Just before a request leaves: the store confirms every entry of it is still this claim's
   * (renewing the lease). A process frozen after its claim, or held up by a token fetch, may
   * find another instance took them over meanwhile: then it must not send them too.
   */
  private async stillOurs(batch: Entry[]): Promise<boolean> {
    const held = batch.filter((e) => this.holding.has(e.id));
    if (held.length < batch.length) return false;
    return (await this.confirm(held)).length === batch.length;
  }

  /** The entries whose outcome the store took; the others are another claim's now (fenced). */
  private settle(entries: Entry[], written: number[]): Entry[] {
    const ok = new Set(written);
    for (const e of entries) {
      this.holding.delete(e.id);
      this.confirmedAt.delete(e.id);
    }
    this.fenced(entries, written);
    return entries.filter((e) => ok.has(e.id));
  }

  private fenced(entries: Held[], written: number[]): void {
    if (written.length === entries.length) return;
    const ok = new Set(written);
    const lost = entries.filter((e) => !ok.has(e.id)).map((e) => e.id);
    for (const id of lost) {
      this.holding.delete(id);
      this.confirmedAt.delete(id);
    }
    if (lost.length) this.fire('fenced', lost);
  }

  /** Forget delivered entries once their output is out (batched: one write a second). */
  private report(entries: Held[]): void {
    this.toReport.push(...entries.map((e) => ({ id: e.id, lease: e.lease })));
    if (this.reportTimer) return;
    this.reportTimer = this.clock.setTimeout(() => {
      this.reportTimer = undefined;
      this.flushReports().catch((err: unknown) => this.fire('storeError', err));
    }, REPORT_EVERY_MS);
  }

  private flushReports(): Promise<void> {
    this.clock.clearTimeout(this.reportTimer);
    this.reportTimer = undefined;
    const list = this.toReport;
    this.toReport = [];
    // One flush at a time; a failed one leaves its entries to `unreported` after their lease.
    this.reporting = this.reporting.then(async () => {
      for (let i = 0; i < list.length; i += REPORT_CHUNK) {
        if (i > 0) await nextTurn();
        await this.store.reported(list.slice(i, i + REPORT_CHUNK));
      }
    });
    return this.reporting;
  }

  /** The connection went down: warn once, after unreachableAfterMs of this outage. */
  private armWarning(s: CircuitState): void {
    if (s.up || this.warnedFor === s.since) return;
    this.clock.clearTimeout(this.warnTimer);
    const wait = Math.max(0, this.unreachableAfterMs - (this.clock.now() - s.since));
    this.warnTimer = this.clock.setTimeout(() => {
      this.warnTimer = undefined;
      const now = this.circuit.snapshot();
      if (now.up || now.since !== s.since || !this.running) return;
      this.warnedFor = s.since;
      const since = this.clock.now() - now.since;
      this.fire('unreachable', since, P.unreachable(now.failure, since));
      this.fire('change');
    }, wait);
  }

  private recovered(): void {
    this.clock.clearTimeout(this.warnTimer);
    this.warnTimer = undefined;
    if (this.warnedFor !== undefined) {
      this.warnedFor = undefined;
      this.fire('reachable');
    }
    this.fire('change');
    this.kick();
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

/** A 5xx or a timeout can be caused by what the request carries (a record BTXH chokes on). */
function mayBeRecords(r: Failure): boolean {
  return r.code === 'serverError' || r.code === 'timeout';
}
