import type { Clock, Timer } from '../clock';
import type { Failure } from '../client/types';
import { probeDelay } from '../engine/backoff';
import { rejectedByServer, sendFailed, storeError, unreachable } from '../engine/problems';
import type { Problem } from '../problem';
import type { PullRun, Puller } from './puller';

/** Four pulls a day, as the deployed province that was read does (api.md, D22). */
export const PULL_EVERY_HOURS = 6;
/**
 * After a failed pull the next try comes after about a minute, then two, four… up to half an
 * hour (or the schedule's interval, if shorter): BTXH down for an hour is caught up minutes
 * after it is back, and a BTXH that stays down is not hammered.
 */
export const RETRY_BASE_MS = 60_000;
export const RETRY_MAX_MS = 30 * 60_000;
/**
 * The first scheduled pull after a deploy waits this long, even when one is due: the flow's
 * database node connects meanwhile (node-red-node-mysql refuses a query until its pool is up).
 */
export const FIRST_PULL_DELAY_MS = 30_000;

export type LoopEvent =
  | { kind: 'pulling' }
  /** A good pull; `nextInMs`: when the schedule pulls again (none without a schedule). */
  | { kind: 'pulled'; run: PullRun; nextInMs?: number }
  /**
   * A pull that failed: `problem` says why; `retryInMs` when it is tried again by itself
   * (a transient failure); `since` (wall ms) the first of the failures in a row;
   * `unreachable` once, the first time they have lasted `unreachableAfterMs`.
   */
  | { kind: 'failed'; problem: Problem; since: number; retryInMs?: number; unreachable?: Problem; scheduled: boolean };

/** A pull's run, and why it failed when it did. */
export interface Outcome {
  run: PullRun;
  problem?: Problem;
}

export interface LoopOptions {
  puller: Pick<Puller, 'run' | 'lastUntil'>;
  /** 0: only when asked (an input message). */
  everyMs: number;
  /** Failures in a row for this long are said once as "unreachable" (the push nodes' setting and default). */
  unreachableAfterMs: number;
  /** Timers (src/lib/clock.ts); tests move it by hand. */
  clock: Clock;
  /** Wall time, epoch ms: the window's ends and "since". */
  now: () => number;
  /** Hands the run's dossiers over (the node sends them); the window moves after it resolves. */
  emit: (run: PullRun) => Promise<void> | void;
  tell: (e: LoopEvent) => void;
  random?: () => number;
}

/**
 * D22: when the Puller runs. On a schedule (every `everyMs`, counted from where the last good
 * pull ended, so a Node-RED that was down catches up at once on start) and whenever asked;
 * one run at a time (asked while one runs, the asker gets that run). A failed pull is tried
 * again with growing waits, as the push nodes retry, and said "unreachable" after as long.
 */
export class PullLoop {
  private timer?: Timer;
  private running?: Promise<Outcome>;
  private failingSince?: number;
  private failures = 0;
  private warned = false;
  private closed = false;

  constructor(private readonly opts: LoopOptions) {}

  /** Plans the first scheduled pull: now when none was ever made or the last good one is an interval old. */
  async start(): Promise<void> {
    if (!this.opts.everyMs) return;
    const until = await this.opts.puller.lastUntil();
    if (this.closed || this.running || this.timer) return;
    this.plan(Math.max(FIRST_PULL_DELAY_MS, until === undefined ? 0 : until + this.opts.everyMs - this.opts.now()));
  }

  /**
   * Pulls now (an input message): the run under way, when there is one. `again` (a pull from a
   * time of the asker's, every dossier handed over again) runs after the one under way.
   */
  pull(again?: { from: number }): Promise<Outcome> {
    return this.begin(again, false);
  }

  /** The run under way, if any (a closing node waits for it before its outbox closes). */
  get current(): Promise<Outcome> | undefined {
    return this.running;
  }

  private begin(again: { from: number } | undefined, scheduled: boolean): Promise<Outcome> {
    if (this.running) return again ? this.running.then(() => this.pull(again)) : this.running;
    this.opts.clock.clearTimeout(this.timer);
    this.timer = undefined;
    const run = this.once(again, scheduled);
    this.running = run;
    void run.finally(() => {
      if (this.running === run) this.running = undefined;
    });
    return run;
  }

  close(): void {
    this.closed = true;
    this.opts.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private plan(ms: number): void {
    if (this.closed) return;
    this.opts.clock.clearTimeout(this.timer);
    this.timer = this.opts.clock.setTimeout(() => {
      this.timer = undefined;
      void this.begin(undefined, true).catch(() => undefined);
    }, ms);
  }

  private async once(again: { from: number } | undefined, scheduled: boolean): Promise<Outcome> {
    this.opts.tell({ kind: 'pulling' });
    let run: PullRun;
    let problem: Problem | undefined;
    let failure: Failure | undefined;
    try {
      run = await this.opts.puller.run(async (r) => (this.closed ? false : this.opts.emit(r)), again);
      failure = run.failure;
      if (failure) problem = failure.kind === 'transient' ? sendFailed(failure) : rejectedByServer(failure);
    } catch (err) {
      // The outbox store failed (disk full, database down): nothing moved, tried again as a transient failure.
      problem = storeError(err);
      run = { from: 0, to: this.opts.now(), pulled: [], unchanged: 0, invalid: [] };
    }
    if (this.closed) return { run, problem };
    if (!problem) {
      this.failures = 0;
      this.failingSince = undefined;
      this.warned = false;
      if (this.opts.everyMs) this.plan(this.opts.everyMs);
      this.opts.tell({ kind: 'pulled', run, nextInMs: this.opts.everyMs || undefined });
      return { run };
    }
    this.failures += 1;
    const now = this.opts.now();
    this.failingSince ??= now;
    // A refusal (a wrong key, a bad unit code) does not pass by itself: the next scheduled pull tries again.
    const transient = !failure || failure.kind === 'transient';
    const cap = Math.min(RETRY_MAX_MS, this.opts.everyMs || RETRY_MAX_MS);
    const retryInMs = transient ? probeDelay(this.failures, { baseMs: RETRY_BASE_MS, maxMs: cap, retryAfterMs: failure?.retryAfterMs }, this.opts.random) : undefined;
    if (retryInMs !== undefined) this.plan(retryInMs);
    else if (this.opts.everyMs) this.plan(this.opts.everyMs);
    const down = now - this.failingSince;
    const said = !this.warned && transient && down >= this.opts.unreachableAfterMs && failure ? unreachable(failure, down) : undefined;
    if (said) this.warned = true;
    this.opts.tell({ kind: 'failed', problem, since: this.failingSince, retryInMs, unreachable: said, scheduled });
    return { run, problem };
  }
}
