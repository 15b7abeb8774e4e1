'use strict';
const assert = require('assert');
const { MemoryStore } = require('../lib/outbox');
const { Sender, keyOf, hashOf, delay } = require('../lib/engine');
const { decision, progress } = require('../lib/fields');

const OK = { ok: true, status: 200, body: { error_code: 0, message: 'OK' } };
const FAST = { baseMs: 1, maxMs: 5 };

function record(i, extra = {}) {
  return { MaHoSo: 'H' + String(i).padStart(4, '0'), HoVaTen: 'Trần Thị B', CMND: '001234567890', Url: `https://x.test/${i}.pdf`, ...extra };
}

/** A fake Connection.send: records each call, answers with `answer(records, call)`. */
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
  return send;
}

/** Collects the sender's events. */
function watch(sender) {
  const seen = { delivered: [], dead: [], retry: [], storeError: [], error: [], infos: [] };
  sender.on('delivered', (entries, info) => {
    seen.delivered.push(...entries);
    seen.infos.push(info);
  });
  sender.on('dead', (entry, reason, problems) => seen.dead.push({ entry, reason, problems }));
  sender.on('retry', (entries, problems, ms) => seen.retry.push({ entries, problems, ms }));
  sender.on('storeError', (err) => seen.storeError.push(err));
  sender.on('error', (err) => seen.error.push(err));
  return seen;
}

/** Wait until a condition holds; mocha's timeout bounds it (no duration is asserted). */
async function until(cond) {
  while (!(await cond())) await new Promise((r) => setTimeout(r, 2));
}

const settled = (sender) => until(async () => {
  const c = await sender.counts();
  return c.waiting === 0 && c.inflight === 0;
});

function make(opts = {}) {
  const store = opts.store || new MemoryStore();
  const sender = new Sender({ store, owner: 'n1', op: decision, backoff: FAST, pollMs: 5, ...opts });
  const seen = watch(sender);
  return { store, sender, seen };
}

const senders = [];
function track(s) {
  senders.push(s.sender);
  return s;
}

describe('engine: key and backoff', function () {
  it('keys a record by operation and key fields, hashes content whatever the key order', function () {
    assert.strictEqual(keyOf(decision, { MaHoSo: 'H1', Url: 'u' }), 'decision:H1');
    assert.strictEqual(keyOf(progress, { MaHoSo: 'H1', ThoiDiemXuLy: '20240102030405' }), 'progress:H1|20240102030405');
    assert.strictEqual(hashOf({ a: 1, b: { c: 2, d: [1, 2] } }), hashOf({ b: { d: [1, 2], c: 2 }, a: 1 }));
    assert.notStrictEqual(hashOf({ a: 1 }), hashOf({ a: '1' }));
    assert.match(hashOf({ a: 1 }), /^[0-9a-f]{32}$/);
  });

  it('grows exponentially up to the cap, with full jitter, and honours Retry-After', function () {
    const top = () => 0.999999;
    assert.strictEqual(delay(1, { baseMs: 1000, maxMs: 60000 }, top), 999);
    assert.strictEqual(delay(3, { baseMs: 1000, maxMs: 60000 }, top), 3999);
    assert.strictEqual(delay(30, { baseMs: 1000, maxMs: 60000 }, top), 59999);
    assert.strictEqual(delay(2000, {}, top), 59999, 'huge attempt numbers stay at the cap');
    assert.strictEqual(delay(5, {}, () => 0), 0, 'full jitter reaches zero');
    assert.strictEqual(delay(1, { retryAfterMs: 120000 }, top), 120000, 'the server asked for longer');
    assert.strictEqual(delay(10, { retryAfterMs: 5 }, top), 59999, 'the backoff is longer than asked');
  });
});

describe('engine: Sender', function () {
  // Inside the describe: a top-level hook would run after every test of every file.
  afterEach(async function () {
    while (senders.length) await senders.pop().stop({ timeoutMs: 50 });
  });

  it('cuts 120 records into batches of 50, 50 and 20', async function () {
    const send = fakeSend();
    const { sender, seen } = track(make({ send, batchSize: 50 }));
    sender.start();
    const r = await sender.accept(Array.from({ length: 120 }, (_, i) => sender.entry(record(i))));
    assert.strictEqual(r.accepted.length, 120);
    await settled(sender);
    assert.deepStrictEqual(send.calls.map((c) => c.length).sort((a, b) => b - a), [50, 50, 20]);
    assert.strictEqual(new Set(seen.delivered.map((e) => e.record.MaHoSo)).size, 120);
    assert.strictEqual((await sender.counts()).delivered, 120);
    assert.deepStrictEqual(seen.error, []);
  });

  it('never has more than `concurrency` requests outstanding', async function () {
    const send = fakeSend(() => new Promise((r) => setTimeout(() => r(OK), 2)));
    const { sender } = track(make({ send, batchSize: 5, concurrency: 3 }));
    sender.start();
    await sender.accept(Array.from({ length: 100 }, (_, i) => sender.entry(record(i))));
    await settled(sender);
    assert.strictEqual(send.calls.length, 20);
    assert.strictEqual(send.max, 3, 'uses its slots, and no more');
    assert.strictEqual(sender.inFlight, 0);
  });

  it('retries a transient failure and counts the attempts in the delivered info', async function () {
    const send = fakeSend((recs, n) => (n === 1 ? { ok: false, kind: 'transient', status: 503, code: 'http5xx', message: 'Service Unavailable' } : OK));
    const { sender, seen } = track(make({ send, batchSize: 10 }));
    sender.start();
    await sender.accept([sender.entry(record(1)), sender.entry(record(2))]);
    await settled(sender);
    assert.strictEqual(send.calls.length, 2);
    assert.strictEqual(seen.retry.length, 1);
    assert.deepStrictEqual(seen.retry[0].problems, [{ field: null, code: 'sendFailed', params: { status: 503, reason: 'http5xx', message: 'Service Unavailable' } }]);
    assert.deepStrictEqual(seen.infos.map((i) => i.attempts), [2]);
    assert.deepStrictEqual(seen.delivered.map((e) => e.attempts), [2, 2]);
    assert.strictEqual(seen.dead.length, 0);
  });

  it("honours the server's Retry-After in the stored notBefore", async function () {
    const store = new MemoryStore();
    const notBefore = [];
    const retry = store.retry.bind(store);
    store.retry = (ids, problems, nb) => {
      notBefore.push(nb);
      return retry(ids, problems, nb);
    };
    const send = fakeSend(() => ({ ok: false, kind: 'transient', status: 429, code: 'http429', message: 'Too Many Requests', retryAfterMs: 120000 }));
    const { sender, seen } = track(make({ store, send }));
    const before = Date.now();
    sender.start();
    await sender.accept([sender.entry(record(1))]);
    await until(() => seen.retry.length === 1);
    assert.strictEqual(notBefore.length, 1);
    assert.ok(notBefore[0] >= before + 120000, `notBefore ${notBefore[0]} honours Retry-After`);
    assert.ok(seen.retry[0].ms >= 120000);
    assert.deepStrictEqual(await store.claim('n1', 10, 1000), [], 'not due before Retry-After');
    assert.strictEqual(send.calls.length, 1);
  });

  it('dead-letters as undeliverable with the last error once attempts are exhausted', async function () {
    const send = fakeSend((recs, n) => ({ ok: false, kind: 'transient', code: 'timeout', message: `try ${n}: no answer about 001234567890` }));
    const { sender, seen } = track(make({ send, attempts: 3 }));
    sender.start();
    await sender.accept([sender.entry(record(1))]);
    await until(() => seen.dead.length === 1);
    assert.strictEqual(send.calls.length, 3);
    assert.strictEqual(seen.retry.length, 2);
    const { entry, reason, problems } = seen.dead[0];
    assert.strictEqual(reason, 'undeliverable');
    assert.strictEqual(entry.record.MaHoSo, 'H0001');
    assert.strictEqual(entry.attempts, 3);
    assert.deepStrictEqual(problems, [{ field: null, code: 'undeliverable', params: { attempts: 3, status: '-', reason: 'timeout', message: 'try 3: no answer about 0012******90' } }]);
    const c = await sender.counts();
    assert.deepStrictEqual([c.dead, c.waiting, c.inflight, c.delivered], [1, 0, 0, 0]);
  });

  function poisonSend(bad) {
    return fakeSend((recs) => {
      const hit = recs.find((r) => bad.includes(r.MaHoSo));
      return hit
        ? { ok: false, kind: 'rejected', status: 200, code: 'errorCode', message: `Hồ sơ ${hit.MaHoSo}: CMND 001234567890 không hợp lệ`, body: { error_code: 1 } }
        : OK;
    });
  }

  it('isolates one poison record in a batch of 100: 99 delivered, 1 dead with the server message', async function () {
    const send = poisonSend(['H0042']);
    const { sender, seen } = track(make({ send, batchSize: 100, concurrency: 1 }));
    sender.start();
    await sender.accept(Array.from({ length: 100 }, (_, i) => sender.entry(record(i))));
    await settled(sender);
    const delivered = seen.delivered.map((e) => e.record.MaHoSo);
    assert.strictEqual(delivered.length, 99);
    assert.strictEqual(new Set(delivered).size, 99);
    assert.ok(!delivered.includes('H0042'));
    assert.strictEqual(seen.dead.length, 1);
    const { entry, reason, problems } = seen.dead[0];
    assert.strictEqual(entry.record.MaHoSo, 'H0042');
    assert.strictEqual(reason, 'rejected');
    assert.deepStrictEqual(problems, [{ field: null, code: 'rejectedByServer', params: { status: 200, reason: 'errorCode', message: 'Hồ sơ H0042: CMND 0012******90 không hợp lệ' } }]);
    assert.ok(send.calls.length < 30, `bisection, not one request per record (${send.calls.length})`);
    assert.strictEqual(send.max, 1, 'splitting stays within the concurrency');
    const c = await sender.counts();
    assert.deepStrictEqual([c.delivered, c.dead, c.waiting, c.inflight], [99, 1, 0, 0]);
  });

  it('isolates two poison records', async function () {
    const send = poisonSend(['H0010', 'H0077']);
    const { sender, seen } = track(make({ send, batchSize: 100 }));
    sender.start();
    await sender.accept(Array.from({ length: 100 }, (_, i) => sender.entry(record(i))));
    await settled(sender);
    assert.strictEqual(new Set(seen.delivered.map((e) => e.record.MaHoSo)).size, 98);
    assert.deepStrictEqual(seen.dead.map((d) => d.entry.record.MaHoSo).sort(), ['H0010', 'H0077']);
    assert.ok(seen.dead.every((d) => d.reason === 'rejected'));
  });

  it('a half that fails transiently while splitting is retried, then delivered', async function () {
    let n = 0;
    const send = fakeSend((recs) => {
      if (recs.some((r) => r.MaHoSo === 'H0003')) return { ok: false, kind: 'rejected', status: 400, code: 'http4xx', message: 'bad' };
      n += 1;
      return n === 1 ? { ok: false, kind: 'transient', code: 'reset', message: 'ECONNRESET' } : OK;
    });
    const { sender, seen } = track(make({ send, batchSize: 8, concurrency: 1 }));
    sender.start();
    await sender.accept(Array.from({ length: 8 }, (_, i) => sender.entry(record(i))));
    await settled(sender);
    assert.strictEqual(seen.retry.length, 1);
    assert.strictEqual(seen.delivered.length, 7);
    assert.deepStrictEqual(seen.dead.map((d) => d.entry.record.MaHoSo), ['H0003']);
  });

  it('stop() waits for the requests on the wire, then releases what it still holds', async function () {
    const pending = [];
    const order = [];
    const send = fakeSend(() => new Promise((r) => pending.push(() => { order.push('answered'); r(OK); })));
    const { sender, seen } = track(make({ send, batchSize: 10, concurrency: 2 }));
    sender.start();
    await sender.accept(Array.from({ length: 100 }, (_, i) => sender.entry(record(i))));
    await until(() => pending.length === 2);
    assert.strictEqual(sender.inFlight, 20);
    const stopped = sender.stop({ timeoutMs: 60000 }).then(() => order.push('stopped'));
    await new Promise((r) => setImmediate(r));
    pending.forEach((answer) => answer());
    await stopped;
    assert.deepStrictEqual(order, ['answered', 'answered', 'stopped']);
    assert.strictEqual(send.calls.length, 2, 'nothing new is sent once stopping');
    assert.strictEqual(seen.delivered.length, 20);
    const c = await sender.counts();
    assert.deepStrictEqual([c.delivered, c.waiting, c.inflight], [20, 80, 0]);
  });

  it('stop() gives up waiting after timeoutMs and releases everything to waiting', async function () {
    const send = fakeSend(() => new Promise(() => {})); // a request that never answers
    const { sender } = track(make({ send, batchSize: 10, concurrency: 2 }));
    sender.start();
    await sender.accept(Array.from({ length: 30 }, (_, i) => sender.entry(record(i))));
    await until(() => send.calls.length === 2);
    assert.strictEqual(sender.renewals.size, 2, 'each batch on the wire has its lease renewed');
    await sender.stop({ timeoutMs: 5 });
    assert.strictEqual(sender.renewals.size, 0, 'what is handed back is no longer renewed');
    const c = await sender.counts();
    assert.deepStrictEqual([c.waiting, c.inflight, c.delivered], [30, 0, 0]);
  });

  it('renews the lease of a request slower than the lease, so a second sender on the store does not take the key', async function () {
    const store = new MemoryStore();
    const extend = store.extend.bind(store);
    let renewals = 0;
    store.extend = (...args) => {
      renewals += 1;
      return extend(...args);
    };
    let answer;
    const slow = fakeSend(() => new Promise((r) => { answer = () => r(OK); }));
    const other = fakeSend();
    const a = track(make({ store, send: slow, leaseMs: 300 }));
    a.sender.start();
    await a.sender.accept([a.sender.entry(record(1))]);
    await until(() => slow.calls.length === 1);
    const [id] = store.leases.keys();
    const claimed = store.leases.get(id); // the lease the claim gave
    // Same owner, same store: another instance of the node, polling every 5 ms.
    const b = track(make({ store, send: other, leaseMs: 300 }));
    b.sender.start();
    await until(() => renewals >= 4 && Date.now() > claimed);
    assert.ok(store.leases.get(id) > claimed, 'the lease was renewed past the one the claim gave');
    assert.strictEqual((await store.counts('n1')).inflight, 1);
    assert.deepStrictEqual(other.calls, [], 'the other sender did not take the key while it was on the wire');
    answer();
    await settled(a.sender);
    await until(() => a.seen.delivered.length === 1);
    assert.deepStrictEqual(slow.calls, [['H0001']]);
    assert.deepStrictEqual(other.calls, []);
    assert.strictEqual(a.sender.renewals.size, 0, 'the renewal ends with the batch');
    assert.deepStrictEqual(a.seen.storeError, []);
  });

  it('skips content already delivered, sends changed content, and resends on request', async function () {
    const send = fakeSend();
    const { sender, seen } = track(make({ send }));
    sender.start();
    await sender.accept([sender.entry(record(1))]);
    await settled(sender);
    let r = await sender.accept([sender.entry(record(1))]);
    assert.deepStrictEqual([r.accepted.length, r.skipped.length], [0, 1]);
    r = await sender.accept([sender.entry(record(1, { Url: 'https://x.test/corrected.pdf' }))]);
    assert.deepStrictEqual([r.accepted.length, r.skipped.length], [1, 0]);
    await settled(sender);
    r = await sender.accept([sender.entry(record(1, { Url: 'https://x.test/corrected.pdf' }))], { resend: true });
    assert.strictEqual(r.accepted.length, 1);
    await settled(sender);
    assert.strictEqual(send.calls.length, 3);
    assert.deepStrictEqual(seen.delivered.map((e) => e.record.Url), ['https://x.test/1.pdf', 'https://x.test/corrected.pdf', 'https://x.test/corrected.pdf']);
  });

  it('never sends one key twice at once, and sends its versions in order', async function () {
    const onWire = new Set();
    let clash = false;
    const send = fakeSend(async (recs) => {
      for (const r of recs) clash = clash || onWire.has(r.MaHoSo);
      recs.forEach((r) => onWire.add(r.MaHoSo));
      await new Promise((r) => setTimeout(r, 1));
      recs.forEach((r) => onWire.delete(r.MaHoSo));
      return OK;
    });
    const { sender, seen } = track(make({ send, batchSize: 1, concurrency: 4 }));
    sender.start();
    await sender.accept([1, 2, 3, 4].map((v) => sender.entry(record(1, { Url: `https://x.test/v${v}.pdf` }))));
    await settled(sender);
    assert.strictEqual(clash, false);
    assert.strictEqual(send.max, 1, 'the versions of one key are serialised');
    assert.deepStrictEqual(seen.delivered.map((e) => e.record.Url), [1, 2, 3, 4].map((v) => `https://x.test/v${v}.pdf`));
  });

  it('replay puts dead letters back under the same key and they get delivered', async function () {
    let fixed = false;
    const send = fakeSend((recs) => (fixed ? OK : { ok: false, kind: 'rejected', status: 200, code: 'errorCode', message: 'Sai MaTinh' }));
    const { sender, seen } = track(make({ send }));
    sender.start();
    await sender.accept([sender.entry(record(7))]);
    await until(() => seen.dead.length === 1);
    const dead = seen.dead[0].entry;
    fixed = true; // the server side was corrected
    assert.strictEqual(await sender.replay({ reason: 'rejected' }), 1);
    await settled(sender);
    assert.strictEqual(seen.delivered.length, 1);
    assert.strictEqual(seen.delivered[0].id, dead.id);
    assert.strictEqual(seen.delivered[0].key, dead.key);
    assert.strictEqual(seen.delivered[0].attempts, 1, 'attempts start again after replay');
    const c = await sender.counts();
    assert.deepStrictEqual([c.dead, c.delivered], [0, 1]);
  });

  it('counts waiting, in flight and dead, with the age of the oldest', async function () {
    const pending = [];
    const send = fakeSend((recs) => (recs[0].MaHoSo === 'H0002'
      ? { ok: false, kind: 'rejected', status: 400, code: 'http4xx', message: 'no' }
      : new Promise((r) => pending.push(() => r(OK)))));
    const { sender } = track(make({ send, batchSize: 1, concurrency: 1 }));
    const before = Date.now();
    sender.start();
    await sender.accept([0, 1, 2].map((i) => sender.entry(record(i))));
    await until(() => pending.length === 1);
    const c = await sender.counts();
    assert.deepStrictEqual([c.waiting, c.inflight, c.dead, c.delivered], [2, 1, 0, 0]);
    assert.ok(c.oldestMs >= 0 && c.oldestMs <= Date.now() - before);
    pending[0]();
    await until(() => pending.length === 2);
    pending[1]();
    await settled(sender);
    assert.deepStrictEqual(await sender.counts(), { waiting: 0, inflight: 0, dead: 1, delivered: 2, oldestMs: 0 });
  });

  it("raises 'unreachable' after transient failures and 'reachable' when the server answers", async function () {
    const events = [];
    const send = fakeSend((recs, n) => (n < 3 ? { ok: false, kind: 'transient', status: 502, code: 'http5xx', message: 'Bad Gateway' } : OK));
    const { sender } = track(make({ send, unreachableAfterMs: 0 }));
    sender.on('unreachable', (since, p) => events.push(['unreachable', p.code, p.params.status]));
    sender.on('reachable', () => events.push(['reachable']));
    sender.start();
    await sender.accept([sender.entry(record(1))]);
    await settled(sender);
    assert.deepStrictEqual(events, [['unreachable', 'unreachable', 502], ['reachable']]);
  });

  it("reports a failing store as 'storeError', never 'error', and carries on", async function () {
    const store = new MemoryStore();
    const claim = store.claim.bind(store);
    let failures = 2;
    store.claim = (...args) => (failures-- > 0 ? Promise.reject(new Error('database is locked')) : claim(...args));
    const send = fakeSend();
    const { sender, seen } = track(make({ store, send }));
    await sender.accept([sender.entry(record(1))]);
    sender.start();
    await settled(sender);
    await until(() => seen.delivered.length === 1);
    assert.strictEqual(seen.storeError.length, 2);
    assert.match(seen.storeError[0].message, /database is locked/);
    assert.deepStrictEqual(seen.error, []);
  });

  it('a send that throws is treated as transient, so the record is not lost', async function () {
    const send = fakeSend((recs, n) => {
      if (n === 1) throw new Error('bug in client');
      return OK;
    });
    const { sender, seen } = track(make({ send }));
    sender.start();
    await sender.accept([sender.entry(record(1))]);
    await settled(sender);
    assert.strictEqual(seen.retry[0].problems[0].params.reason, 'sendThrew');
    assert.strictEqual(seen.delivered.length, 1);
  });

  it('two owners share one store without taking each other’s entries', async function () {
    const store = new MemoryStore();
    const sendA = fakeSend();
    const sendB = fakeSend();
    const a = track(make({ store, send: sendA, owner: 'a' }));
    const b = track(make({ store, send: sendB, owner: 'b' }));
    a.sender.start();
    b.sender.start();
    await a.sender.accept([1, 2, 3].map((i) => a.sender.entry(record(i))));
    await b.sender.accept([4, 5].map((i) => b.sender.entry(record(i))));
    await settled(a.sender);
    await settled(b.sender);
    assert.deepStrictEqual(sendA.calls.flat().sort(), ['H0001', 'H0002', 'H0003']);
    assert.deepStrictEqual(sendB.calls.flat().sort(), ['H0004', 'H0005']);
  });
});
