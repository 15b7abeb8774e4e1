'use strict';
// Group commit (src/lib/engine/commits.ts) and the read positions that move with it:
// a source's page moves its position only in the transaction of its last part, and
// not at all once any part of the page failed.
const assert = require('assert');
const { GroupCommit } = require('../lib/engine/commits');
const { MemoryStore } = require('../lib/outbox/memory');

const entry = (i) => ({ owner: 'n1', op: 'dossier', key: `dossier:HS${i}`, hash: `h${i}`, record: { MaHoSo: `HS${i}` }, original: { i } });

describe('GroupCommit', function () {
  it('commits the accepts of one turn as one enqueue, in order, each caller answered with its own part', async function () {
    const calls = [];
    const store = new MemoryStore();
    const g = new GroupCommit((entries, o) => (calls.push(entries.length), store.enqueue(entries, o)));
    const [a, b] = await Promise.all([g.add([entry(1), entry(2)]), g.add([entry(3)])]);
    assert.deepStrictEqual(calls, [3]);
    assert.deepStrictEqual(a.accepted.map((e) => e.record.MaHoSo), ['HS1', 'HS2']);
    assert.deepStrictEqual(b.accepted.map((e) => e.record.MaHoSo), ['HS3']);
  });

  it('counts the records of the commit under way apart from those waiting, until the store answers, failed or not', async function () {
    const store = new MemoryStore();
    let answer;
    let fail = false;
    const g = new GroupCommit((entries, o) => new Promise((resolve) => (answer = resolve)).then(() => (fail ? Promise.reject(new Error('disk full')) : store.enqueue(entries, o))));
    const first = g.add([entry(1), entry(2)]);
    await new Promise((r) => setImmediate(r));
    const second = g.add([entry(3)]);
    assert.deepStrictEqual([g.inCommit, g.pending], [2, 1], 'two in the commit on the store\'s thread, one waiting for the next');
    answer();
    await first;
    await new Promise((r) => setImmediate(r));
    assert.deepStrictEqual([g.inCommit, g.pending], [1, 0]);
    fail = true;
    answer();
    await assert.rejects(second, /disk full/);
    assert.deepStrictEqual([g.inCommit, g.pending], [0, 0], 'a failed commit holds nothing either');
  });

  it('moves a page\'s position with its last part, and never once an earlier part of the page failed', async function () {
    const store = new MemoryStore();
    let fail = false;
    const g = new GroupCommit((entries, o) => (fail ? Promise.reject(new Error('disk full')) : store.enqueue(entries, o)));
    // A page of two parts, both fine: the position moves.
    const ok = { failed: false };
    const p1 = g.add([entry(1)], false, ok);
    ok.move = { name: 'hoso', value: { time: 1, key: 2 } };
    const p2 = g.add([entry(2)], false, ok);
    await Promise.all([p1, p2]);
    assert.deepStrictEqual(await store.cursor('hoso'), { time: 1, key: 2 });

    // A page whose first part fails (its own transaction): the last part commits, the position stays.
    const bad = { failed: false };
    fail = true;
    const q1 = g.add([entry(3)], false, bad);
    await assert.rejects(q1, /disk full/);
    fail = false;
    bad.move = { name: 'hoso', value: { time: 9, key: 9 } };
    await g.add([entry(4)], false, bad);
    assert.strictEqual(bad.failed, true);
    assert.deepStrictEqual(await store.cursor('hoso'), { time: 1, key: 2 }, 'rows 3.. are read again, never skipped');
    assert.deepStrictEqual((await store.claim('n1', 10, 60_000)).map((e) => e.record.MaHoSo), ['HS1', 'HS2', 'HS4']);

    // An empty last part still carries the move.
    const empty = { failed: false, move: { name: 'buoc', value: { time: 3, key: 'B' } } };
    await g.add([], false, empty);
    assert.deepStrictEqual(await store.cursor('buoc'), { time: 3, key: 'B' });
  });
});
