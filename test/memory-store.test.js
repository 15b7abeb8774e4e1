'use strict';
const assert = require('assert');
const { supersede } = require('./support/store-contract');
const { MemoryStore, createStore } = require('../lib/outbox');
const { keyOf, hashOf } = require('../lib/engine/key');
const { decision } = require('../lib/fields');

function entry(owner, code, extra = {}) {
  const record = { MaHoSo: code, HoVaTen: 'Nguyễn Văn A', CMND: '001234567890', Url: 'https://x.test/qd.pdf', ...extra };
  return { owner, op: 'decision', key: keyOf(decision, record), hash: hashOf(record), record, original: record };
}

describe('MemoryStore', function () {
  let store;
  beforeEach(function () {
    store = new MemoryStore();
  });

  it('claims the oldest due entries of its owner only, up to the limit', async function () {
    await store.enqueue([entry('a', 'H1'), entry('b', 'H2'), entry('a', 'H3'), entry('a', 'H4')]);
    const got = await store.claim('a', 2, 60000);
    assert.deepStrictEqual(got.map((e) => e.record.MaHoSo), ['H1', 'H3']);
    assert.ok(got.every((e) => e.state === 'inflight' && e.owner === 'a'));
    assert.deepStrictEqual((await store.claim('a', 10, 60000)).map((e) => e.record.MaHoSo), ['H4']);
    assert.deepStrictEqual(await store.claim('a', 10, 60000), []);
  });

  it('never hands out two entries of one key at once, and keeps their order', async function () {
    await store.enqueue([entry('a', 'H1', { Url: 'https://x.test/v1.pdf' }), entry('a', 'H1', { Url: 'https://x.test/v2.pdf' })]);
    const first = await store.claim('a', 10, 60000);
    assert.strictEqual(first.length, 1);
    assert.strictEqual(first[0].record.Url, 'https://x.test/v1.pdf');
    assert.deepStrictEqual(await store.claim('a', 10, 60000), [], 'the key is in flight');
    // Older entry backing off: the newer one must not overtake it.
    await store.retry([first[0].id], [{ field: null, code: 'sendFailed' }], Date.now() + 60000);
    assert.deepStrictEqual(await store.claim('a', 10, 60000), []);
    await store.delivered([first[0].id]);
    const second = await store.claim('a', 10, 60000);
    assert.strictEqual(second.length, 1);
    assert.strictEqual(second[0].record.Url, 'https://x.test/v2.pdf');
  });

  it('a key held by another owner is not claimed either', async function () {
    await store.enqueue([entry('a', 'H1'), entry('b', 'H1')]);
    assert.strictEqual((await store.claim('a', 10, 60000)).length, 1);
    assert.deepStrictEqual(await store.claim('b', 10, 60000), []);
  });

  it('an expired lease makes the entry claimable again', async function () {
    await store.enqueue([entry('a', 'H1')]);
    const [e] = await store.claim('a', 1, 0);
    const again = await store.claim('a', 1, 60000);
    assert.strictEqual(again.length, 1);
    assert.strictEqual(again[0].id, e.id);
  });

  it('retry counts the attempt and holds the entry until notBefore', async function () {
    await store.enqueue([entry('a', 'H1')]);
    const [e] = await store.claim('a', 1, 60000);
    const problems = [{ field: null, code: 'sendFailed', params: { status: 503 } }];
    await store.retry([e.id], problems, Date.now() + 60000);
    assert.deepStrictEqual(await store.claim('a', 1, 60000), []);
    await store.retry([e.id], problems, 0); // due now
    const [back] = await store.claim('a', 1, 60000);
    assert.strictEqual(back.attempts, 2);
    assert.deepStrictEqual(back.lastError, problems);
  });

  it('dead letters are listed and replayed with attempts reset and the key kept', async function () {
    await store.enqueue([entry('a', 'H1'), entry('a', 'H2'), entry('a', 'H3')]);
    const got = await store.claim('a', 3, 60000);
    await store.retry([got[0].id], [], 0);
    const [h1] = await store.claim('a', 1, 60000);
    await store.dead([h1.id], 'undeliverable', [{ field: null, code: 'undeliverable' }]);
    await store.dead([got[1].id], 'rejected', [{ field: null, code: 'rejectedByServer' }]);
    await store.dead([got[2].id], 'rejected', [{ field: null, code: 'rejectedByServer' }]);
    const dead = await store.deadLetters('a');
    assert.deepStrictEqual(dead.map((e) => [e.record.MaHoSo, e.reason]), [['H1', 'undeliverable'], ['H2', 'rejected'], ['H3', 'rejected']]);
    for (const e of dead) {
      assert.ok(e.deadAt >= e.createdAt && e.deadAt <= Date.now(), `deadAt ${e.deadAt} is when it died`);
    }
    assert.strictEqual(await store.replay('a', { reason: 'undeliverable' }), 1);
    assert.strictEqual(await store.replay('a', { keys: [got[2].key] }), 1);
    const back = await store.claim('a', 10, 60000);
    assert.deepStrictEqual(back.map((e) => e.record.MaHoSo), ['H1', 'H3']);
    assert.ok(back.every((e) => e.attempts === 0 && e.reason === undefined && e.deadAt === undefined), 'replay clears deadAt');
    assert.strictEqual(back[0].key, h1.key);
    assert.deepStrictEqual((await store.deadLetters('a')).map((e) => e.record.MaHoSo), ['H2']);
  });

  supersede(() => new MemoryStore());

  it('extend renews the lease of entries still in flight, and leaves the others as they are', async function () {
    let t = 1_700_000_000_000;
    store = new MemoryStore({ now: () => t });
    await store.enqueue([entry('a', 'H1'), entry('a', 'H2'), entry('a', 'H3'), entry('a', 'H4')]);
    const [h1, h2, h3] = await store.claim('a', 3, 30000);
    await store.retry([h2.id], [], t + 100000);
    await store.dead([h3.id], 'rejected', []);
    t += 20000;
    await store.extend([h1.id, h2.id, h3.id, h3.id + 1, 999], 30000);
    const c = await store.counts('a');
    assert.deepStrictEqual([c.waiting, c.inflight, c.dead], [2, 1, 1], 'nothing but the in-flight entry changed state');
    t += 15000; // past the claim's lease, within the renewed one
    assert.deepStrictEqual((await store.claim('a', 10, 30000)).map((e) => e.record.MaHoSo), ['H4'], 'H1 is still held');
    t += 15001;
    assert.deepStrictEqual((await store.claim('a', 10, 30000)).map((e) => e.id), [h1.id], 'the renewed lease ends too');
  });

  it('release puts in-flight entries of the owner back to waiting', async function () {
    await store.enqueue([entry('a', 'H1'), entry('b', 'H2')]);
    await store.claim('a', 1, 60000);
    await store.claim('b', 1, 60000);
    await store.release('a');
    const c = await store.counts('a');
    assert.deepStrictEqual([c.waiting, c.inflight], [1, 0]);
    assert.strictEqual((await store.counts('b')).inflight, 1);
    assert.strictEqual((await store.claim('a', 1, 60000)).length, 1);
  });

  it('skips content already delivered under the same key unless resend', async function () {
    const e = entry('a', 'H1');
    await store.enqueue([e]);
    const [c] = await store.claim('a', 1, 60000);
    await store.delivered([c.id]);
    let r = await store.enqueue([entry('a', 'H1')]);
    assert.strictEqual(r.accepted.length, 0);
    assert.strictEqual(r.skipped.length, 1);
    r = await store.enqueue([entry('a', 'H1', { Url: 'https://x.test/changed.pdf' })]);
    assert.strictEqual(r.accepted.length, 1);
    r = await store.enqueue([entry('a', 'H1')], { resend: true });
    assert.strictEqual(r.accepted.length, 1);
    assert.strictEqual(r.accepted[0].state, 'waiting');
  });

  it('remembers a bounded number of delivered keys, forgetting the oldest', async function () {
    store = new MemoryStore({ rememberKeys: 2 });
    await store.enqueue(['H1', 'H2', 'H3'].map((c) => entry('a', c)));
    await store.delivered((await store.claim('a', 3, 60000)).map((e) => e.id));
    const r = await store.enqueue(['H1', 'H2', 'H3'].map((c) => entry('a', c)));
    assert.deepStrictEqual(r.accepted.map((e) => e.record.MaHoSo), ['H1']);
    assert.deepStrictEqual(r.skipped.map((e) => e.record.MaHoSo), ['H2', 'H3']);
  });

  it('counts waiting, in flight, dead, delivered and the oldest age', async function () {
    assert.deepStrictEqual(await store.counts('a'), { waiting: 0, inflight: 0, dead: 0, delivered: 0, oldestMs: 0 });
    const before = Date.now();
    await store.enqueue(['H1', 'H2', 'H3', 'H4'].map((c) => entry('a', c)));
    await store.enqueue([entry('b', 'H9')]);
    const [x, y, z] = await store.claim('a', 3, 60000);
    await store.delivered([x.id]);
    await store.dead([y.id], 'rejected', []);
    const c = await store.counts('a');
    assert.deepStrictEqual({ ...c, oldestMs: 0 }, { waiting: 1, inflight: 1, dead: 1, delivered: 1, oldestMs: 0 });
    assert.ok(c.oldestMs >= 0 && c.oldestMs <= Date.now() - before, 'oldest age measured from the waiting/in-flight entries');
    assert.strictEqual(z.state, 'inflight');
  });

  it('hands out copies: changing a claimed entry does not change the store', async function () {
    await store.enqueue([entry('a', 'H1')]);
    const [e] = await store.claim('a', 1, 60000);
    e.state = 'waiting';
    e.owner = 'b';
    assert.deepStrictEqual(await store.claim('a', 1, 0), []);
    assert.strictEqual((await store.counts('a')).inflight, 1);
  });

  it('createStore makes a memory store and refuses unknown kinds', function () {
    assert.ok(createStore('memory') instanceof MemoryStore);
    assert.throws(() => createStore('redis'), /unknown outbox store/);
  });
});
