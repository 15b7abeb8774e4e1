'use strict';
// The retention of delivered data (src/lib/outbox/retention.ts) with the shipped 365 days,
// on an injected clock: forgotten at start and every hour, in chunks, never while stopped.
const assert = require('assert');
const { MemoryStore } = require('../lib/outbox');
const { Retention, KEEP_DELIVERED_DAYS } = require('../lib/outbox/retention');
const { FakeClock } = require('./support/clock');
const { entry } = require('./support/store-contract');

const DAY = 86_400_000;

async function deliver(store, from, n) {
  await store.enqueue(Array.from({ length: n }, (_, i) => entry(from + i)));
  const got = await store.claim('n1', n, 60_000);
  await store.delivered(got);
  await store.reported(got);
}

describe('Retention of delivered data', function () {
  it('ships with 365 days', function () {
    assert.strictEqual(KEEP_DELIVERED_DAYS, 365);
  });

  it('forgets deliveries older than the retention at start and then every hour, in chunks, and stops when told', async function () {
    const clock = new FakeClock();
    const store = new MemoryStore({ now: clock.now });
    await deliver(store, 0, 2500);
    clock.t += 366 * DAY;
    await deliver(store, 10_000, 3);
    const calls = [];
    const forget = store.forget.bind(store);
    store.forget = async (...a) => {
      const n = await forget(...a);
      calls.push(n);
      return n;
    };
    const r = new Retention(store, undefined, (e) => assert.fail(e), clock);
    r.start();
    await clock.advance(0);
    // 2,500 deliveries and their 2,500 journal events: a chunk is up to 1,000 of each, and a
    // pass goes on while either fills its chunk.
    assert.deepStrictEqual(calls, [1000, 1000, 500], 'in chunks, the event loop runs between them');
    assert.deepStrictEqual(await store.history('HS0'), [], 'the old journal is gone');
    assert.deepStrictEqual((await store.history('HS10000')).map((e) => e.event), ['accepted', 'delivered'], 'the young one kept');
    const again = await store.enqueue([entry(1), entry(10_000)]);
    assert.deepStrictEqual([again.accepted.length, again.skipped.length], [1, 1], 'the old key is sent again; the young one still skipped');
    const first = calls.length;
    await clock.advance(3_600_000);
    assert.deepStrictEqual(calls.slice(first), [0], 'an hour later: one pass, nothing old enough');
    await clock.advance(363 * DAY);
    assert.strictEqual(calls.length, first + 1 + 363 * 24, 'one pass an hour');
    assert.ok(calls.slice(first).every((n) => n === 0), 'the young ones, 364 days old, are kept');
    await clock.advance(2 * DAY);
    assert.ok(calls.slice(first).some((n) => n > 0), 'past 365 days: forgotten');
    assert.deepStrictEqual(await store.history('HS10000'), []);
    const late = await store.enqueue([entry(10_000)]);
    assert.strictEqual(late.accepted.length, 1, 'and its key is sent again');
    const n = calls.length;
    await r.stop();
    await clock.advance(10 * 3_600_000);
    assert.strictEqual(calls.length, n, 'no pass after stop');
  });

  it('a failing pass is reported and the schedule goes on', async function () {
    const clock = new FakeClock();
    const store = new MemoryStore({ now: clock.now });
    let fail = true;
    store.forget = async () => {
      if (fail) throw new Error('disk I/O error');
      return 0;
    };
    const errors = [];
    const r = new Retention(store, 365, (e) => errors.push(e.message), clock);
    r.start();
    await clock.advance(0);
    assert.deepStrictEqual(errors, ['disk I/O error']);
    fail = false;
    await clock.advance(3_600_000);
    assert.deepStrictEqual(errors, ['disk I/O error']);
    await r.stop();
  });
});
