import { systemClock, type Clock, type Timer } from '../clock';
import type { Store } from './store';

/**
 * The retention of delivered data. A delivered record's personal data leaves
 * the store as soon as its output is sent (Store.reported); what stays is its
 * key (MaHoSo, ThoiDiemXuLy), a content hash and the time, so the same content
 * is not sent twice; and the delivery journal (./journal.ts) tells what was sent,
 * when and what BTXH answered, ids masked. Both are kept `keepDays` (a connection
 * setting, default 365 — the longest of the state's log-retention ranges, TCVN 11930)
 * and forgotten in the background: at start, then every hour, in chunks
 * between which the event loop runs, so delivery never waits on it.
 */
export const KEEP_DELIVERED_DAYS = 365;
const DAY = 86_400_000;
const EVERY_MS = 3_600_000;
const CHUNK = 1000;

export class Retention {
  private timer?: Timer;
  private stopped = false;
  private running?: Promise<number>;

  constructor(
    private readonly store: Store,
    private readonly keepDays = KEEP_DELIVERED_DAYS,
    private readonly onError: (err: Error) => void = () => undefined,
    private readonly clock: Clock = systemClock,
  ) {}

  start(): void {
    this.stopped = false;
    void this.tick();
  }

  /** One pass: forgets every delivery older than the retention, chunk by chunk; how many. */
  async run(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.store.forget(this.keepDays * DAY, CHUNK);
      total += n;
      if (n < CHUNK || this.stopped) return total;
      await new Promise((r) => setImmediate(r));
    }
  }

  /** Stops the schedule and waits for a pass under way, so the store can be closed after it. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clock.clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    this.running = this.run();
    try {
      await this.running;
    } catch (err) {
      this.onError(err instanceof Error ? err : new Error(String(err)));
    }
    if (!this.stopped) this.timer = this.clock.setTimeout(() => void this.tick(), EVERY_MS);
  }
}
