/**
 * Time for the engine and the one-process stores. `now()` is milliseconds on
 * an epoch-like scale that never jumps: it is the wall clock at process start
 * plus a monotonic counter, so a clock set back an hour (or forward ten
 * minutes) while a batch is on the wire neither stalls a retry nor expires a
 * lease early. Timers are the platform's (libuv counts them on a monotonic
 * clock too); tests inject a clock whose time they move by hand.
 */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): Timer;
  clearTimeout(t: Timer | undefined): void;
}

/** What a clock's setTimeout returns; unref'd so a waiting outbox never keeps the process alive. */
export interface Timer {
  unref?(): unknown;
}

/** The longest delay a timer can take: longer ones fire after 1 ms in Node.js. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

const origin = performance.timeOrigin;

export const systemClock: Clock = {
  now: () => Math.floor(origin + performance.now()),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, Math.min(MAX_TIMER_MS, Math.max(0, ms)));
    t.unref();
    return t;
  },
  clearTimeout(t) {
    if (t) clearTimeout(t as NodeJS.Timeout);
  },
};
