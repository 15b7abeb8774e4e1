'use strict';
// The Sender with the shipped delivery defaults (SENDER_DEFAULTS) and a clock
// the test moves by hand (test/support/clock.js): outages of minutes and a
// time budget of days run in milliseconds, and no setting is shortened.
const assert = require('assert');
const { MemoryStore } = require('../lib/outbox');
const { Sender, SENDER_DEFAULTS, DAY_MS } = require('../lib/engine/sender');
const { Circuit } = require('../lib/engine/circuit');
const { keyOf, hashOf, delay, probeDelay } = require('../lib/engine');
const { decision, progress } = require('../lib/fields');
const { FakeClock, settle } = require('./support/clock');

const OK = { ok: true, status: 200, body: { error_code: 0, message: 'OK' } };
const DOWN = { ok: false, kind: 'transient', code: 'network', message: 'connect ECONNREFUSED 127.0.0.1:8088' };
const WRONG_PASSWORD = { ok: false, kind: 'transient', code: 'authFailed', status: 200, message: 'Sai tên đăng nhập hoặc mật khẩu' };
const BUSY = { ok: false, kind: 'transient', code: 'serverError', status: 500, message: 'Lỗi hệ thống' };

function record(i, extra = {}) {
  return { MaHoSo: 'H' + String(i).padStart(5, '0'), HoVaTen: 'Trần Thị B', CMND: '001234567890', Url: `https://x.test/${i}.pdf`, ...extra };
}

/** A fake Connection.send: records each call and how many were outstanding, answers with `answer(records, call)`. */
function fakeSend(answer = () => OK) {
  const calls = [];
  let outstanding = 0;
  const send = async (records) => {
    calls.push(records.map((r) => r.MaHoSo));
    outstanding += 1;
    send.max = Math.max(send.max, outstanding);
    try {
      return await answer(records, calls.length);
    } finally {
      outstanding -= 1;
    }
  };
  send.calls = calls;
  send.max = 0;
  send.sent = () => calls.flat();
  return send;
}

function watch(sender) {
  const seen = { delivered: [], dead: [], retry: [], storeError: [], error: [], infos: [], unreachable: [], reachable: 0, fenced: [] };
  sender.on('delivered', (entries, info) => {
    seen.delivered.push(...entries);
    seen.infos.push(info);
  });
  sender.on('dead', (entry, reason, problems) => seen.dead.push({ entry, reason, problems }));
  sender.on('retry', (entries, problems, ms) => seen.retry.push({ entries, problems, ms }));
  sender.on('storeError', (err) => seen.storeError.push(err));
  sender.on('error', (err) => seen.error.push(err));
  sender.on('unreachable', (ms, p) => seen.unreachable.push({ ms, p }));
  sender.on('reachable', () => (seen.reachable += 1));
  sender.on('fenced', (ids) => seen.fenced.push(...ids));
  return seen;
}

const senders = [];
/** A sender with the shipped defaults; only the store, the send, the clock and the circuit are the test's. */
function make({ clock = new FakeClock(), store, circuit, owner = 'n1', op = decision, ...rest } = {}) {
  store = store || new MemoryStore({ now: clock.now });
  circuit = circuit || new Circuit({ clock });
  const sender = new Sender({ store, owner, op, clock, circuit, random: () => 0.5, ...rest });
  senders.push(sender);
  return { store, sender, seen: watch(sender), clock, circuit };
}

const idle = async (sender) => {
  const c = await sender.counts();
  return c.waiting === 0 && c.inflight === 0 && sender.inFlight === 0;
};
const feed = (sender, from, n, extra) => sender.accept(Array.from({ length: n }, (_, i) => sender.entry(record(from + i, extra))));
const once = (list) => list.every((v, i, a) => a.indexOf(v) === i);

describe('engine: key and backoff', function () {
  it('keys a record by operation and key fields, hashes content whatever the key order', function () {
    assert.strictEqual(keyOf(decision, { MaHoSo: 'H1', Url: 'u' }), 'decision:H1');
    assert.strictEqual(keyOf(progress, { MaHoSo: 'H1', ThoiDiemXuLy: '20240102030405' }), 'progress:H1|20240102030405');
    assert.strictEqual(hashOf({ a: 1, b: { c: 2, d: [1, 2] } }), hashOf({ b: { d: [1, 2], c: 2 }, a: 1 }));
    assert.notStrictEqual(hashOf({ a: 1 }), hashOf({ a: '1' }));
  });

  it('hashes as it always has (a queue written by an older version still says "already delivered"), whatever the key lists', function () {
    const { canonical } = require('../lib/engine/key');
    // The first version's canonical JSON, kept here as the reference.
    const reference = (v) => {
      if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
      if (v instanceof Date) return JSON.stringify(v);
      if (Array.isArray(v)) return '[' + v.map((x) => (x === undefined ? 'null' : reference(x))).join(',') + ']';
      return '{' + Object.keys(v).filter((k) => v[k] !== undefined).sort().map((k) => JSON.stringify(k) + ':' + reference(v[k])).join(',') + '}';
    };
    const messy = require('./support/messy');
    const { prepare } = require('../lib/normalise');
    const values = [
      ...Array.from({ length: 300 }, (_, i) => prepare(require('../lib/fields').dossier, messy.dossier(i)).record),
      { 'a\u0000b': 1, c: 2 }, { a: 1, 'b\u0000c': 2 }, { a: 1, b: 2 }, { b: 2, a: 1 }, { a: undefined, b: 'x"\n' },
      { z: { y: [1, undefined, { b: 1, a: 2 }] }, d: new Date(0) }, { '': 1, 'é': 2, 'e\u0301': 3 }, {},
      // More key lists than are kept sorted: the oldest are sorted again.
      ...Array.from({ length: 80 }, (_, i) => ({ [`k${i % 40}`]: i, a: 1, [`b${i % 7}`]: 2 })),
    ];
    for (const v of [...values, ...values.slice().reverse()]) assert.strictEqual(canonical(v), reference(v), JSON.stringify(v));
    assert.notStrictEqual(hashOf({ 'a\u0000b': 1, c: 2 }), hashOf({ a: 1, 'b\u0000c': 2 }));
  });

  it('retry waits grow exponentially up to the cap with full jitter; probes use the upper half; Retry-After wins', function () {
    const top = () => 0.999999;
    assert.deepStrictEqual([1, 2, 3, 10].map((n) => delay(n, { baseMs: 1000, maxMs: 60000 }, top)), [999, 1999, 3999, 59999]);
    assert.strictEqual(delay(1, { baseMs: 1000, retryAfterMs: 5000 }, () => 0), 5000);
    assert.deepStrictEqual([1, 2, 10, 50].map((n) => probeDelay(n, { baseMs: 1000, maxMs: 300_000 }, () => 0)), [500, 1000, 150_000, 150_000]);
    assert.strictEqual(probeDelay(20, { maxMs: 300_000 }, top), 299_999, 'capped at the connection\'s "probe at most every"');
    assert.strictEqual(probeDelay(1, { retryAfterMs: 30_000 }, () => 0), 30_000);
  });
});

describe('engine: Sender with the shipped defaults', function () {
  afterEach(async function () {
    while (senders.length) {
      const s = senders.pop();
      await Promise.race([s.stop({ timeoutMs: 0 }), settle()]);
    }
  });

  it('holds one batch claimed ahead while both slots send; a slot is free once BTXH answered, before its outcome is written', async function () {
    const clock = new FakeClock();
    const store = new MemoryStore({ now: clock.now });
    let writes;
    const writing = new Promise((r) => (writes = r));
    const delivered = store.delivered.bind(store);
    store.delivered = async (held) => {
      await writing; // the outcome writes wait on the test
      return delivered(held);
    };
    const answers = [];
    const send = fakeSend((records, n) => new Promise((r) => (answers[n - 1] = r)));
    const { sender, seen } = make({ clock, store, send });
    sender.start();
    await feed(sender, 0, 200);
    await clock.advance(0);
    assert.strictEqual(send.calls.length, 2, 'two requests, as promised to BTXH');
    assert.deepStrictEqual([(await sender.counts()).inflight, (await sender.counts()).waiting], [150, 50], 'and one batch of 50 claimed ahead');
    answers[0](OK);
    await clock.advance(0);
    assert.strictEqual(send.calls.length, 3, 'the batch ahead went out while the first outcome is still being written');
    assert.strictEqual(send.max, 2, 'never more than two requests at once');
    assert.deepStrictEqual([(await sender.counts()).inflight, (await sender.counts()).waiting], [200, 0], 'the next batch claimed ahead');
    writes();
    for (let i = 1; i < 4; i++) {
      await clock.advance(0);
      answers[i](OK);
    }
    await clock.advance(0);
    assert.strictEqual(seen.delivered.length, 200);
    assert.ok(once(send.sent()) && send.sent().length === 200, 'each record sent once');
    assert.ok(await idle(sender));
  });

  it('gives the batch claimed ahead back to waiting when the connection goes down, and at a stop', async function () {
    const answers = [];
    const send = fakeSend((records, n) => new Promise((r) => (answers[n - 1] = r)));
    const { sender, clock } = make({ send });
    sender.start();
    await feed(sender, 0, 150);
    await clock.advance(0);
    assert.strictEqual((await sender.counts()).inflight, 150);
    answers[0](DOWN);
    answers[1](DOWN);
    await clock.advance(0);
    const c = await sender.counts();
    assert.deepStrictEqual([c.inflight, c.waiting, send.calls.length], [0, 150, 2], 'nothing held while BTXH is down, nothing more sent');
    // A stop with a batch ahead releases it with the rest.
    const b = make({ send: fakeSend(() => new Promise(() => {})) });
    b.sender.start();
    await feed(b.sender, 0, 150);
    await b.clock.advance(0);
    assert.strictEqual((await b.sender.counts()).inflight, 150);
    const stopping = b.sender.stop({ timeoutMs: 0 });
    await b.clock.advance(0);
    await stopping;
    assert.deepStrictEqual([(await b.store.counts('n1')).inflight, (await b.store.counts('n1')).waiting], [0, 150]);
  });

  it('cuts 120 records into batches of 50, 50 and 20, two requests at a time, and counts every delivery', async function () {
    let release;
    const gate = new Promise((r) => (release = r));
    const send = fakeSend(() => gate.then(() => OK));
    const { sender, seen, clock } = make({ send });
    sender.start();
    await feed(sender, 0, 120);
    await clock.advance(0);
    assert.strictEqual(send.calls.length, 2);
    assert.strictEqual(sender.inFlight, 100);
    release();
    await clock.until(() => idle(sender));
    assert.deepStrictEqual(send.calls.map((c) => c.length), [50, 50, 20]);
    assert.strictEqual(send.max, SENDER_DEFAULTS.concurrency);
    assert.strictEqual(seen.delivered.length, 120);
    assert.strictEqual((await sender.counts()).delivered, 120);
  });

  it('an outage of 60 s under a 1,000-record backlog: one probe at a time, no record tried for nothing, all delivered once after', async function () {
    let down = false;
    let outstandingWhileDown = 0;
    let maxWhileDown = 0;
    const send = fakeSend(async () => {
      if (!down) return OK;
      outstandingWhileDown += 1;
      maxWhileDown = Math.max(maxWhileDown, outstandingWhileDown);
      await Promise.resolve();
      outstandingWhileDown -= 1;
      return DOWN;
    });
    const { sender, seen, clock, store } = make({ send });
    sender.start();
    down = true;
    await feed(sender, 0, 1000);
    await clock.advance(60_000);
    const callsDown = send.calls.length;
    const recordsTried = new Set(send.sent()).size;
    down = false;
    await clock.until(() => idle(sender), { what: 'the backlog drained' });
    assert.ok(callsDown <= 15, `few requests while down: ${callsDown}`);
    assert.ok(recordsTried <= 100 + 15, `records tried while down: ${recordsTried} of 1,000 (the first two batches and the probes)`);
    assert.strictEqual(maxWhileDown, 2, 'the two batches on the wire when it went down, then one probe at a time');
    assert.deepStrictEqual(seen.dead, [], 'nothing dead-lettered');
    const delivered = seen.delivered.map((e) => e.record.MaHoSo);
    assert.strictEqual(delivered.length, 1000);
    assert.ok(once(delivered), 'each once');
    assert.deepStrictEqual(seen.unreachable, [], 'a minute is less than the 5 min after which a Catch node hears of it');
    assert.strictEqual((await store.counts('n1')).delivered, 1000);
  });

  it('wrong credentials for an hour: one "unreachable" after 5 min (not one per record), all delivered once fixed', async function () {
    let wrong = true;
    const send = fakeSend(() => (wrong ? WRONG_PASSWORD : OK));
    const { sender, seen, clock } = make({ send });
    sender.start();
    await feed(sender, 0, 300);
    await clock.advance(4 * 60_000);
    assert.deepStrictEqual(seen.unreachable, []);
    const health = sender.health();
    assert.strictEqual(health.up, false);
    assert.strictEqual(health.failure.code, 'authFailed', 'the status can say it is the password');
    await clock.advance(2 * 60_000);
    assert.strictEqual(seen.unreachable.length, 1);
    assert.strictEqual(seen.unreachable[0].p.code, 'unreachable');
    await clock.advance(54 * 60_000);
    assert.strictEqual(seen.unreachable.length, 1, 'one per outage');
    assert.ok(send.calls.length < 60, `an hour down cost ${send.calls.length} requests (probes at most every 5 min)`);
    wrong = false;
    await clock.until(() => idle(sender), { stepMs: 10_000, what: 'drained after the fix' });
    assert.strictEqual(seen.reachable, 1);
    assert.deepStrictEqual(seen.dead, []);
    assert.strictEqual(new Set(seen.delivered.map((e) => e.key)).size, 300);
    assert.strictEqual(seen.delivered.length, 300);
  });

  it('the time budget: a record is given up only after 7 days of transient failures, with the last error', async function () {
    const send = fakeSend(() => DOWN);
    const { sender, seen, clock } = make({ send });
    sender.start();
    await feed(sender, 0, 20);
    await clock.advance(6 * DAY_MS + 23 * 3600_000);
    assert.deepStrictEqual(seen.dead, [], 'not before the budget');
    await clock.advance(2 * 3600_000);
    assert.strictEqual(seen.dead.length, 20);
    assert.ok(seen.dead.every((d) => d.reason === 'undeliverable' && d.problems[0].code === 'undeliverable' && d.problems[0].params.days === 7));
    assert.match(seen.dead[0].problems[0].params.message, /ECONNREFUSED/);
  });

  it('a rejected record in an array batch is isolated: 99 delivered once, 1 dead with the server message', async function () {
    const send = fakeSend((recs) => (recs.some((r) => r.MaHoSo === 'H00050')
      ? { ok: false, kind: 'rejected', status: 200, code: 'apiError', message: 'MaHoSo H00050 không hợp lệ', body: { error_code: 1 } }
      : OK));
    const { sender, seen, clock } = make({ send, batchSize: 100 });
    sender.start();
    await feed(sender, 1, 100);
    await clock.until(() => idle(sender));
    assert.strictEqual(seen.delivered.length, 99);
    assert.ok(once(seen.delivered.map((e) => e.key)));
    assert.strictEqual(seen.dead.length, 1);
    assert.strictEqual(seen.dead[0].entry.record.MaHoSo, 'H00050');
    assert.match(seen.dead[0].problems[0].params.message, /H00050/);
  });

  it('one record per request: accepted records are delivered at once and never sent again because a neighbour failed', async function () {
    const received = [];
    // The Connection in one-by-one mode: sends in order, stops at the first failure, says how many went through.
    const send = fakeSend(async (recs) => {
      for (let i = 0; i < recs.length; i++) {
        if (recs[i].MaHoSo === 'H00003') return { ok: false, kind: 'rejected', code: 'apiError', status: 200, message: 'CMND sai', delivered: i };
        received.push(recs[i].MaHoSo);
      }
      return OK;
    });
    const { sender, seen, clock } = make({ send, batchSize: 5 });
    sender.start();
    await feed(sender, 1, 5);
    await clock.until(() => idle(sender));
    assert.deepStrictEqual(received, ['H00001', 'H00002', 'H00004', 'H00005'], 'every good record received exactly once');
    assert.deepStrictEqual(seen.delivered.map((e) => e.record.MaHoSo).sort(), ['H00001', 'H00002', 'H00004', 'H00005']);
    assert.deepStrictEqual(seen.dead.map((d) => d.entry.record.MaHoSo), ['H00003']);
  });

  it('a record on which BTXH answers 500 while it takes the others: found by splitting, dead-lettered alone, its batch-mates delivered', async function () {
    const send = fakeSend((recs) => (recs.some((r) => r.MaHoSo === 'H00077') ? BUSY : OK));
    const { sender, seen, clock } = make({ send });
    sender.start();
    await feed(sender, 1, 300);
    await clock.until(() => idle(sender), { what: 'isolated' });
    assert.strictEqual(seen.delivered.length, 299);
    assert.ok(once(seen.delivered.map((e) => e.key)));
    assert.strictEqual(seen.dead.length, 1);
    assert.strictEqual(seen.dead[0].entry.record.MaHoSo, 'H00077');
    assert.strictEqual(seen.dead[0].reason, 'rejected');
    assert.strictEqual(seen.dead[0].problems[0].code, 'failsOnRecord');
  });

  it('BTXH answering 500 to everything is an outage, not a poison record: nothing is dead-lettered', async function () {
    let broken = true;
    const send = fakeSend(() => (broken ? BUSY : OK));
    const { sender, seen, clock } = make({ send });
    sender.start();
    await feed(sender, 1, 200);
    await clock.advance(30 * 60_000);
    assert.deepStrictEqual(seen.dead, []);
    broken = false;
    await clock.until(() => idle(sender), { stepMs: 10_000 });
    assert.strictEqual(seen.delivered.length, 200);
  });

  it('senders sharing a connection share its circuit: one probe at a time across them', async function () {
    const clock = new FakeClock();
    const circuit = new Circuit({ clock });
    const store = new MemoryStore({ now: clock.now });
    let down = true;
    let out = 0;
    let max = 0;
    const send = fakeSend(async () => {
      out += 1;
      max = Math.max(max, out);
      await Promise.resolve();
      out -= 1;
      return down ? DOWN : OK;
    });
    const a = make({ clock, circuit, store, send, owner: 'a' });
    const b = make({ clock, circuit, store, send, owner: 'b' });
    a.sender.start();
    b.sender.start();
    await feed(a.sender, 0, 10);
    await clock.advance(0);
    const first = send.calls.length;
    await feed(b.sender, 100, 10);
    max = 0;
    await clock.advance(10 * 60_000);
    assert.ok(first >= 1);
    assert.strictEqual(max, 1, 'one probe at a time, whichever node sends it');
    down = false;
    await clock.until(async () => (await idle(a.sender)) && (await idle(b.sender)), { stepMs: 10_000 });
    assert.strictEqual(a.seen.delivered.length + b.seen.delivered.length, 20);
  });

  it('stop() gives up waiting after its timeout and releases; the late answer is fenced out, never an output', async function () {
    let answer;
    const send = fakeSend(() => new Promise((r) => (answer = () => r(OK))));
    const { sender, seen, clock, store } = make({ send, batchSize: 10, concurrency: 1 });
    sender.start();
    await feed(sender, 0, 10);
    await clock.advance(0);
    const stopping = sender.stop({ timeoutMs: 10_000 });
    await clock.advance(10_001);
    await stopping;
    let c = await store.counts('n1');
    assert.deepStrictEqual([c.waiting, c.inflight], [10, 0], 'handed back');
    answer();
    await settle();
    assert.deepStrictEqual(seen.delivered, [], 'the late answer reports nothing');
    assert.strictEqual(seen.fenced.length, 10, 'and is logged as fenced');
    c = await store.counts('n1');
    assert.deepStrictEqual([c.waiting, c.delivered], [10, 0], 'the next run sends them');
  });

  it('renews the lease of a request slower than the lease: a second sender on the store does not take the key', async function () {
    const clock = new FakeClock();
    const store = new MemoryStore({ now: clock.now });
    let answer;
    const slow = fakeSend(() => new Promise((r) => (answer = () => r(OK))));
    const other = fakeSend();
    const a = make({ clock, store, send: slow });
    a.sender.start();
    await feed(a.sender, 1, 1);
    await clock.advance(0);
    const b = make({ clock, store, send: other });
    b.sender.start();
    await clock.advance(3 * SENDER_DEFAULTS.leaseMs);
    assert.deepStrictEqual(other.calls, [], 'three leases later, the key is still held');
    answer();
    await clock.until(() => idle(a.sender));
    assert.strictEqual(a.seen.delivered.length, 1);
    assert.deepStrictEqual(other.calls, []);
  });

  it('a sender frozen past its lease (SIGSTOP, a stalled VM) does not send, when it wakes, what another sender took over', async function () {
    const REJECTED = { ok: false, kind: 'rejected', code: 'apiError', status: 200, message: 'MaHoSo không hợp lệ' };
    const db = new FakeClock(); // the store's clock, which the other sender shares
    const store = new MemoryStore({ now: db.now });
    let answer;
    const frozen = fakeSend((records, call) => (call === 1 ? REJECTED : new Promise((r) => (answer = () => r(OK)))));
    const a = make({ clock: new FakeClock(db.t), store, send: frozen });
    a.sender.start();
    await feed(a.sender, 1, 4);
    await a.clock.advance(0);
    assert.deepStrictEqual(frozen.calls, [['H00001', 'H00002', 'H00003', 'H00004'], ['H00001', 'H00002']], 'split, first half on the wire');
    // A is frozen: its clock and timers stand still while the store's lease runs out and B takes over.
    const other = fakeSend();
    const b = make({ clock: db, store, send: other });
    b.sender.start();
    await db.until(() => other.calls.length > 0, { what: 'the takeover' });
    await db.until(() => idle(b.sender), { what: 'B done' });
    assert.deepStrictEqual(other.sent().sort(), ['H00001', 'H00002', 'H00003', 'H00004']);
    // A wakes: its monotonic clock has moved on, its first half's answer arrives.
    a.clock.t += SENDER_DEFAULTS.leaseMs + 60_000;
    answer();
    await a.clock.advance(0);
    assert.deepStrictEqual(frozen.calls.length, 2, 'the second half, taken over meanwhile, is not sent');
    assert.deepStrictEqual(a.seen.delivered, [], 'the late answer is no output');
    assert.strictEqual(new Set(a.seen.fenced).size, 4, 'all four logged as fenced');
    assert.strictEqual(b.seen.delivered.length, 4);
  });

  it('what an earlier run delivered but never reported is reported at start, on output 1, marked recovered', async function () {
    const clock = new FakeClock();
    const store = new MemoryStore({ now: clock.now });
    await store.enqueue([1, 2].map((i) => ({ owner: 'n1', op: 'decision', key: `decision:H${i}`, hash: 'h', record: record(i), original: record(i) })));
    await store.delivered(await store.claim('n1', 10, 60_000)); // and then the process died
    await clock.advance(60_001);
    const { sender, seen } = make({ clock, store, send: fakeSend() });
    sender.start();
    await clock.advance(0);
    assert.deepStrictEqual(seen.delivered.map((e) => e.key), ['decision:H1', 'decision:H2']);
    assert.strictEqual(seen.infos[0].recovered, true);
    await clock.advance(2000);
    assert.deepStrictEqual(await store.unreported('n1', 10, 0), [], 'and forgotten after');
  });

  it('a second of deliveries is forgotten in writes of REPORT_CHUNK, the event loop turning between them (one write of 5,000 held Node-RED 80–180 ms)', async function () {
    const { REPORT_CHUNK } = require('../lib/engine/sender');
    const clock = new FakeClock();
    const store = new MemoryStore({ now: clock.now });
    const writes = [];
    // Each write queues an immediate; the next write must find it run (the loop took its turn).
    let turned = true;
    let waited = true;
    const reported = store.reported.bind(store);
    store.reported = async (held) => {
      writes.push(held.length);
      waited &&= turned;
      turned = false;
      setImmediate(() => (turned = true));
      return reported(held);
    };
    const { sender, seen } = make({ clock, store, send: fakeSend() });
    await feed(sender, 0, 1200);
    sender.start();
    while (seen.delivered.length < 1200) await clock.advance(10);
    await clock.advance(1000);
    assert.strictEqual(writes.reduce((a, b) => a + b, 0), 1200, 'every delivery forgotten');
    assert.ok(writes.length >= Math.ceil(1200 / REPORT_CHUNK) && writes.every((n) => n <= REPORT_CHUNK), `writes of ${writes}`);
    assert.ok(waited, 'the event loop turned between writes');
    assert.deepStrictEqual(await store.unreported('n1', 10_000, 0), []);
  });

  it('follows the monotonic clock: the wall clock jumping +10 min or -1 h neither sends a key twice nor stalls a retry', async function () {
    let answer;
    let n = 0;
    const send = fakeSend(() => (++n === 1 ? new Promise((r) => (answer = () => r(OK))) : n === 2 ? DOWN : OK));
    // The system clock here, as shipped: only Date.now is moved.
    const store = new MemoryStore();
    const sender = new Sender({ store, owner: 'n1', op: decision, send });
    senders.push(sender);
    const seen = watch(sender);
    sender.start();
    await sender.accept([sender.entry(record(1))]);
    const realNow = Date.now;
    try {
      while (send.calls.length < 1) await settle();
      Date.now = () => realNow() + 10 * 60_000; // past the 5-min lease on the wall clock
      sender.kick();
      await new Promise((r) => setTimeout(r, 50));
      assert.strictEqual(send.calls.length, 1, 'the key is not sent again while on the wire');
      answer();
      await sender.accept([sender.entry(record(2))]);
      while (send.calls.length < 2) await settle();
      Date.now = () => realNow() - 3600_000; // set back an hour while H2 waits for its retry
      const t0 = realNow();
      while (seen.delivered.length < 2 && realNow() - t0 < 20_000) await new Promise((r) => setTimeout(r, 20));
    } finally {
      Date.now = realNow;
    }
    assert.deepStrictEqual(seen.delivered.map((e) => e.record.MaHoSo), ['H00001', 'H00002'], 'H2 retried after its short wait, not an hour later');
    assert.deepStrictEqual(send.calls.map((c) => c[0]), ['H00001', 'H00002', 'H00002']);
  });

  it("a failing store is 'storeError', never 'error'; a send that throws is transient; nothing is lost", async function () {
    const clock = new FakeClock();
    const store = new MemoryStore({ now: clock.now });
    const claim = store.claim.bind(store);
    let fail = 2;
    store.claim = (...a) => (fail-- > 0 ? Promise.reject(new Error('disk I/O error')) : claim(...a));
    let threw = false;
    const send = fakeSend(() => {
      if (!threw) {
        threw = true;
        throw new Error('bug');
      }
      return OK;
    });
    const { sender, seen } = make({ clock, store, send });
    sender.start();
    await feed(sender, 1, 3);
    await clock.until(() => idle(sender));
    assert.strictEqual(seen.storeError.length, 2);
    assert.deepStrictEqual(seen.error, []);
    assert.strictEqual(seen.delivered.length, 3);
  });

  it('skips content already delivered, sends changed content; replay brings dead letters back; owners keep to their own', async function () {
    const clock = new FakeClock();
    const store = new MemoryStore({ now: clock.now });
    let reject = true;
    const send = fakeSend((recs) => (reject && recs[0].MaHoSo === 'H00002' ? { ok: false, kind: 'rejected', code: 'apiError', message: 'no' } : OK));
    const a = make({ clock, store, send, owner: 'a' });
    const b = make({ clock, store, send, owner: 'b' });
    a.sender.start();
    b.sender.start();
    await feed(a.sender, 1, 1);
    await feed(b.sender, 2, 1);
    await clock.until(async () => (await idle(a.sender)) && (await idle(b.sender)));
    assert.strictEqual((await a.sender.accept([a.sender.entry(record(1))])).skipped.length, 1);
    assert.strictEqual((await a.sender.accept([a.sender.entry(record(1, { HoVaTen: 'Trần Thị Bình' }))])).accepted.length, 1);
    assert.strictEqual(b.seen.dead.length, 1);
    assert.strictEqual(await a.sender.replay(), 0, 'b\'s letter is not a\'s');
    reject = false;
    assert.strictEqual(await b.sender.replay(), 1);
    await clock.until(async () => (await idle(a.sender)) && (await idle(b.sender)));
    assert.deepStrictEqual(a.seen.delivered.map((e) => e.record.MaHoSo), ['H00001', 'H00001']);
    assert.deepStrictEqual(b.seen.delivered.map((e) => e.record.MaHoSo), ['H00002']);
  });
});

describe('engine: a look at each record before it is sent (the decision file link)', function () {
  afterEach(async () => {
    while (senders.length) await senders.pop().stop();
  });

  it('refused links become dead letters, links that cannot be checked now wait and go later; the circuit is never touched', async function () {
    const clock = new FakeClock();
    let fileServerUp = false;
    let active = 0;
    let most = 0;
    const check = async (r) => {
      active += 1;
      most = Math.max(most, active);
      await settle();
      active -= 1;
      if (r.Url.endsWith('/3.pdf')) return { ok: false, transient: false, problem: { field: 'Url', code: 'documentType', params: { contentType: 'text/html' } } };
      if (r.Url.endsWith('/4.pdf') && !fileServerUp) return { ok: false, transient: true, problem: { field: 'Url', code: 'documentUnavailable', params: { reason: 'HTTP 503' } } };
      return { ok: true };
    };
    const send = fakeSend();
    const { sender, seen, circuit } = make({ clock, send, check });
    sender.start();
    await feed(sender, 1, 60);
    await clock.until(() => seen.delivered.length === 58 && seen.dead.length === 1, { what: 'the first pass' });
    assert.ok(most <= SENDER_DEFAULTS.concurrency, `at most ${SENDER_DEFAULTS.concurrency} checks at once (saw ${most})`);
    assert.ok(most > 1, 'checks run side by side');
    assert.strictEqual(seen.dead[0].reason, 'rejected');
    assert.strictEqual(seen.dead[0].entry.record.MaHoSo, record(3).MaHoSo);
    assert.deepStrictEqual(seen.dead[0].problems.map((p) => [p.field, p.code]), [['Url', 'documentType']]);
    assert.ok(!send.sent().includes(record(3).MaHoSo) && !send.sent().includes(record(4).MaHoSo), 'neither reached BTXH');
    assert.ok(seen.retry.some((r) => r.entries[0].record.MaHoSo === record(4).MaHoSo && r.problems[0].code === 'documentUnavailable'));
    assert.strictEqual(circuit.snapshot().up, true, 'a file server down is not BTXH down');
    fileServerUp = true;
    await clock.until(() => seen.delivered.length === 59, { what: 'the waiting link' });
    assert.strictEqual(send.sent().filter((m) => m === record(4).MaHoSo).length, 1);
  });

  it('a link that stays unavailable past the time budget becomes undeliverable, naming the link', async function () {
    const clock = new FakeClock();
    const check = async () => ({ ok: false, transient: true, problem: { field: 'Url', code: 'documentUnavailable', params: { reason: 'timeout' } } });
    const { sender, seen } = make({ clock, send: fakeSend(), check });
    sender.start();
    await feed(sender, 1, 1);
    await clock.until(() => seen.dead.length === 1, { stepMs: 600_000, maxMs: 8 * DAY_MS, what: 'the budget' });
    assert.strictEqual(seen.dead[0].reason, 'undeliverable');
    assert.deepStrictEqual(seen.dead[0].problems.map((p) => p.code), ['undeliverable', 'documentUnavailable']);
    assert.ok(clock.now() - seen.dead[0].entry.createdAt >= SENDER_DEFAULTS.giveUpAfterMs);
  });

  it('a check that throws leaves the record waiting, never lost, never sent unchecked', async function () {
    const clock = new FakeClock();
    let broken = true;
    const check = async () => {
      if (broken) throw new Error('bug');
      return { ok: true };
    };
    const send = fakeSend();
    const { sender, seen } = make({ clock, send, check });
    sender.start();
    await feed(sender, 1, 1);
    await clock.until(() => seen.retry.length > 0, { what: 'a retry' });
    assert.strictEqual(send.calls.length, 0);
    broken = false;
    await clock.until(() => seen.delivered.length === 1, { what: 'delivery' });
  });
});

describe('engine: the memory queue is bounded (issue 11), with its shipped size', function () {
  const { MEMORY_CAPACITY } = require('../lib/outbox/memory');
  afterEach(async function () {
    while (senders.length) {
      const s = senders.pop();
      await Promise.race([s.stop({ timeoutMs: 0 }), settle()]);
    }
  });

  it(`BTXH unreachable and ${MEMORY_CAPACITY.toLocaleString('en')} records waiting: more is refused whole with queueFull, nothing half-taken; once BTXH answers, the queue drains and takes more`, async function () {
    let up = false;
    // Once BTXH is back, its first answer (the probe) comes at once, the others when the test opens the gate.
    let answers = 0;
    let open;
    const gate = new Promise((r) => (open = r));
    const send = fakeSend(() => (!up ? DOWN : answers++ === 0 ? OK : gate.then(() => OK)));
    const { sender, store, clock } = make({ send });
    sender.start();
    for (let i = 0; i < MEMORY_CAPACITY; i += 5000) await feed(sender, i, 5000);
    await clock.advance(1000);
    assert.strictEqual(sender.health().up, false, 'the connection is down');
    assert.strictEqual(store.room(), 0, 'the queue is full');
    await assert.rejects(feed(sender, MEMORY_CAPACITY, 10), (err) => err.problem?.code === 'queueFull' && err.problem.params.count === 10);
    assert.strictEqual((await store.counts('n1')).waiting + (await store.counts('n1')).inflight, MEMORY_CAPACITY, 'nothing of the refused input was written');
    up = true;
    for (let i = 0; i < 100 && !sender.health().up; i++) await clock.advance(10_000);
    assert.strictEqual(sender.health().up, true, 'BTXH answers again');
    // While BTXH drains the queue, an input waits for room instead of being refused.
    assert.ok(store.room() < 5000, `the queue is still nearly full (${store.room()} places)`);
    let taken = false;
    const later = feed(sender, MEMORY_CAPACITY, 5000).then(() => (taken = true));
    // A second input while the first waits: it goes in after it, never before.
    const after = feed(sender, MEMORY_CAPACITY + 5000, 10);
    await clock.advance(5000);
    assert.strictEqual(taken, false, 'the input waits for room (not refused: BTXH answers)');
    open();
    for (let i = 0; i < 200 && !taken; i++) await clock.advance(1000);
    await later;
    await after;
    for (let i = 0; i < 100 && !(await idle(sender)); i++) await clock.advance(1000);
    assert.ok(await idle(sender), 'all delivered');
    const sent = send.sent();
    assert.strictEqual(new Set(sent).size, MEMORY_CAPACITY + 5010, 'every record once');
    assert.ok(sent.indexOf(record(MEMORY_CAPACITY + 4999).MaHoSo) < sent.indexOf(record(MEMORY_CAPACITY + 5000).MaHoSo), 'inputs that waited for room went in the order they came');
  });

  it('a full queue that does not drain (its dead letters fill it) refuses after waiting, never holds the input for ever', async function () {
    const REJECT = { ok: false, kind: 'rejected', status: 200, code: 'apiError', message: 'Dữ liệu không hợp lệ' };
    const { sender, store, clock } = make({ send: fakeSend(() => REJECT) });
    sender.start();
    for (let i = 0; i < MEMORY_CAPACITY; i += 5000) await feed(sender, i, 5000);
    for (let i = 0; i < 200 && (await store.counts('n1')).dead < MEMORY_CAPACITY; i++) await clock.advance(1000);
    assert.strictEqual((await store.counts('n1')).dead, MEMORY_CAPACITY);
    assert.strictEqual(sender.health().up, true, 'BTXH answers (it refuses the records)');
    let refused;
    feed(sender, MEMORY_CAPACITY, 1).catch((err) => (refused = err));
    await clock.advance(60_000);
    assert.strictEqual(refused?.problem?.code, 'queueFull');
  });
});
