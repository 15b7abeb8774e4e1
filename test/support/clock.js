'use strict';
// A clock for the engine whose time a test moves by hand (src/lib/clock.ts):
// leases, backoff, probes and the time budget are tested without sleeping,
// with the shipped defaults.
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

class FakeClock {
  constructor(t0 = 1_700_000_000_000) {
    this.t = t0;
    this.timers = new Map();
    this.seq = 0;
    this.now = () => this.t;
    this.setTimeout = (fn, ms) => {
      const id = ++this.seq;
      this.timers.set(id, { at: this.t + Math.max(0, Number(ms) || 0), fn });
      return { id, unref() {} };
    };
    this.clearTimeout = (h) => {
      if (h) this.timers.delete(h.id);
    };
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way, in order. */
  async advance(ms) {
    const end = this.t + ms;
    for (;;) {
      await settle();
      let next;
      for (const [id, tm] of this.timers) if (tm.at <= end && (!next || tm.at < next[1].at)) next = [id, tm];
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = Math.max(this.t, next[1].at);
      next[1].fn();
    }
    this.t = end;
    await settle();
  }

  /** Advances in steps of `stepMs` until `cond()` holds; throws after `maxMs` of clock time. */
  async until(cond, { stepMs = 1000, maxMs = 3600_000, what = 'condition' } = {}) {
    for (let spent = 0; ; spent += stepMs) {
      if (await cond()) return;
      if (spent > maxMs) throw new Error(`clock: no ${what} after ${maxMs} ms`);
      await this.advance(stepMs);
    }
  }
}

module.exports = { FakeClock, settle };
