'use strict';
const assert = require('assert');
const { contract, entry } = require('./support/store-contract');
const { MemoryStore, createStore } = require('../lib/outbox');

describe('MemoryStore', function () {
  contract(() => {
    let t = 1_700_000_000_000;
    return { store: new MemoryStore({ now: () => t }), advance: (ms) => (t += ms) };
  });

  it('remembers a bounded number of delivered keys, forgetting the oldest', async function () {
    const store = new MemoryStore({ rememberKeys: 2 });
    await store.enqueue([1, 2, 3].map((i) => entry(i)));
    await store.delivered(await store.claim('n1', 3, 60000));
    const r = await store.enqueue([1, 2, 3].map((i) => entry(i)));
    assert.deepStrictEqual(r.accepted.map((e) => e.record.MaHoSo), ['HS1']);
    assert.deepStrictEqual(r.skipped.map((e) => e.record.MaHoSo), ['HS2', 'HS3']);
  });

  it('holds at most MEMORY_CAPACITY entries: an enqueue beyond it is refused whole (queueFull), nothing written', async function () {
    const { MEMORY_CAPACITY } = require('../lib/outbox/memory');
    const store = new MemoryStore();
    assert.strictEqual(store.room(), MEMORY_CAPACITY);
    await store.enqueue(Array.from({ length: MEMORY_CAPACITY - 1 }, (_, i) => entry(i)));
    assert.strictEqual(store.room(), 1);
    await assert.rejects(store.enqueue([entry(MEMORY_CAPACITY), entry(MEMORY_CAPACITY + 1)]), (err) => err.problem.code === 'queueFull');
    assert.strictEqual((await store.counts('n1')).waiting, MEMORY_CAPACITY - 1, 'nothing of the refused call');
    await assert.rejects(store.enqueue([entry(MEMORY_CAPACITY), entry(MEMORY_CAPACITY + 1)], { cursors: new Map([['hoso', { key: 9 }]]) }));
    assert.strictEqual(await store.cursor('hoso'), undefined, 'nor its read position');
    await store.enqueue([entry(MEMORY_CAPACITY)]);
    assert.strictEqual(store.room(), 0);
  });

  it('hands out copies: changing a claimed entry does not change the store', async function () {
    const store = new MemoryStore();
    await store.enqueue([entry(1)]);
    const [e] = await store.claim('n1', 1, 60000);
    e.state = 'waiting';
    e.owner = 'b';
    e.lease = 'forged';
    assert.deepStrictEqual(await store.claim('n1', 1, 0), []);
    assert.strictEqual((await store.counts('n1')).inflight, 1);
    assert.deepStrictEqual(await store.delivered([e]), [], 'a forged token writes nothing');
  });

  it('follows the monotonic clock by default: a wall clock set back an hour does not stall a retry', async function () {
    const store = new MemoryStore();
    await store.enqueue([entry(1)]);
    const [e] = await store.claim('n1', 1, 60000);
    await store.retry([e], [], 0);
    const realNow = Date.now;
    Date.now = () => realNow() - 3600_000;
    try {
      assert.strictEqual((await store.claim('n1', 1, 60000)).length, 1, 'due at once, whatever Date.now says');
    } finally {
      Date.now = realNow;
    }
  });

  it('createStore makes a memory store and refuses unknown kinds', function () {
    assert.ok(createStore('memory') instanceof MemoryStore);
    assert.throws(() => createStore('redis'), /unknown outbox store/);
  });
});
