import { EventEmitter } from 'events';
import type { Failure } from '../client/types';
import { systemClock, type Clock, type Timer } from '../clock';
import { probeDelay } from './backoff';

export interface CircuitOptions {
  clock?: Clock;
  /** First wait between probes (ms); doubles per failed probe. */
  probeBaseMs?: number;
  /** Longest wait between probes (ms): the connection's "probe at most every" setting, default 5 min. */
  probeMaxMs?: number;
  random?: () => number;
}

export type CircuitState =
  | { up: true }
  | { up: false; since: number; failure: Failure; probes: number; probing: boolean; nextProbeAt: number };

/** What a sender may do now: send as usual, send the one probe, or wait. */
export type Permit = 'go' | 'probe' | 'wait';

/**
 * The health of one BTXH operation on one connection, shared by every sync node
 * that sends to it. A transient failure (network, timeout, 5xx, 429, a broken
 * or "busy" answer, wrong credentials…) takes it down: then one request at a
 * time, the probe, tries the server, with capped exponential backoff and
 * jitter between probes, and every other record waits untouched (no try is
 * spent on it). The first answer from the server (a success, or even a
 * rejection of a record: the server is there) brings it up and every sender
 * drains at full speed. The pattern of a circuit breaker in half-open state,
 * as BullMQ's rate limiter and Kafka Connect's retry budget use it.
 *
 * Events: 'down' (state), 'up' (), 'wake' () when a probe may go.
 */
export class Circuit extends EventEmitter {
  private readonly clock: Clock;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly random: () => number;
  private state: CircuitState = { up: true };
  private timer: Timer | undefined;
  /**
   * How many answers the server has given (a count, not a time: two requests of
   * one instant are still told apart). A batch that failed while this grew
   * failed alone: evidence that the batch, not the server, is the trouble.
   */
  answers = 0;

  constructor(opts: CircuitOptions = {}) {
    super();
    this.setMaxListeners(0); // one listener per sync node on the connection
    this.clock = opts.clock ?? systemClock;
    this.baseMs = Math.max(1, opts.probeBaseMs ?? 1000);
    this.maxMs = Math.max(this.baseMs, opts.probeMaxMs ?? 300_000);
    this.random = opts.random ?? Math.random;
  }

  get up(): boolean {
    return this.state.up;
  }

  snapshot(): CircuitState {
    return { ...this.state };
  }

  permit(): Permit {
    const s = this.state;
    if (s.up) return 'go';
    if (s.probing || this.clock.now() < s.nextProbeAt) return 'wait';
    s.probing = true;
    return 'probe';
  }

  /** The server answered (a success or a verdict on the records). */
  answered(): void {
    this.answers += 1;
    if (this.state.up) return;
    this.state = { up: true };
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.emit('up');
  }

  /** A request failed transiently; `probe` when it was the probe this circuit permitted. */
  failed(failure: Failure, probe: boolean): void {
    const now = this.clock.now();
    const s = this.state;
    if (s.up) {
      this.state = { up: false, since: now, failure, probes: 0, probing: false, nextProbeAt: now };
      this.plan(1, failure);
      this.emit('down', this.snapshot());
      return;
    }
    s.failure = failure;
    if (probe) {
      s.probing = false;
      s.probes += 1;
      this.plan(s.probes + 1, failure);
    }
  }

  /**
   * The permitted probe found nothing to send (or its sender stopped): the next
   * caller may probe. Nobody is woken: the other senders look in at their next
   * poll (a wake here would have a sender with nothing to send wake itself, forever).
   */
  release(): void {
    const s = this.state;
    if (s.up || !s.probing) return;
    s.probing = false;
  }

  /** ms until a probe may go (0 when up or due). */
  waitMs(): number {
    const s = this.state;
    return s.up ? 0 : Math.max(0, s.nextProbeAt - this.clock.now());
  }

  close(): void {
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.removeAllListeners();
  }

  private plan(n: number, failure: Failure): void {
    const s = this.state;
    if (s.up) return;
    const wait = probeDelay(n, { baseMs: this.baseMs, maxMs: this.maxMs, retryAfterMs: failure.retryAfterMs }, this.random);
    s.nextProbeAt = this.clock.now() + wait;
    this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.emit('wake');
    }, wait);
    this.timer.unref?.();
  }
}
