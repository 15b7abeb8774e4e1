import { performance } from 'perf_hooks';

/**
 * Cooperative time slices (issue 11): Node-RED runs every flow, the editor and
 * its HTTP endpoints on one event loop, so a message of 100,000 records read
 * in one go froze all of them for 20 s. Work checks `due()` between records
 * and, when its slice is used up, awaits `turn()`: setImmediate lets the timers
 * and I/O that waited run before the next slice begins.
 */
export const SLICE_MS = 10;
/** Records a slice takes at least, unless it has run twice its time: parts of a few records would make small batches. */
export const SLICE_MIN = 32;

export class Turns {
  private start: number;
  private count = 0;

  constructor(private readonly sliceMs = SLICE_MS, private readonly now: () => number = () => performance.now()) {
    this.start = now();
  }

  /** Work begins (after the loop was idle): a new slice. */
  begin(): void {
    this.start = this.now();
    this.count = 0;
  }

  /** One more record done: is this slice used up (the caller should then commit what it has and take a turn)? */
  due(): boolean {
    const spent = this.now() - this.start;
    return spent >= 2 * this.sliceMs || (++this.count >= SLICE_MIN && spent >= this.sliceMs);
  }

  /** Gives the event loop its turn, then starts a new slice. */
  async turn(): Promise<void> {
    await nextTurn();
    this.begin();
  }
}

/** Resolves once the event loop has run what waited (timers, I/O): setImmediate, not a microtask. */
export function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}
