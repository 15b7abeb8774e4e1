'use strict';
// Parts of the Store contract (src/lib/outbox/store.ts) that every store must
// honour the same way: one suite, run by the memory, SQLite and PostgreSQL tests.
const assert = require('assert');

function entry(i, over = {}) {
  return {
    owner: 'n1',
    op: 'dossier',
    key: `dossier:HS${i}`,
    hash: `h${i}`,
    record: { MaHoSo: `HS${i}`, HoVaTen: 'Nguyễn Thị Hoa' },
    original: { maHoSo: `HS${i}` },
    ...over,
  };
}

/** A dead letter is superseded, never replayed, once its key was delivered with newer content. */
function supersede(makeStore) {
  describe('superseded dead letters (Store contract)', function () {
    it('a newer version delivered supersedes an older dead letter of its key: replay leaves it dead, listed', async function () {
      const s = makeStore();
      const bad = [{ field: null, code: 'rejectedByServer' }];
      await s.enqueue([entry(1, { hash: 'v1' })]);
      const [v1] = await s.claim('n1', 1, 60_000);
      await s.dead([v1.id], 'rejected', bad, { tried: true });
      await s.enqueue([entry(1, { hash: 'v2' })]);
      const [v2] = await s.claim('n1', 1, 60_000);
      await s.delivered([v2.id]);
      assert.strictEqual(await s.replay('n1'), 0);
      assert.strictEqual(await s.replay('n1', { keys: ['dossier:HS1'] }), 0);
      assert.strictEqual(await s.replay('n1', { reason: 'superseded' }), 0, 'not even when asked by reason');
      const dl = await s.deadLetters('n1');
      assert.deepStrictEqual(dl.map((e) => [e.id, e.state, e.reason, e.attempts, e.hash]), [[v1.id, 'dead', 'superseded', 1, 'v1']]);
      assert.deepStrictEqual(dl[0].lastError, bad, 'the error that killed it is kept');
      assert.ok(dl[0].deadAt >= dl[0].createdAt);
      assert.deepStrictEqual(await s.claim('n1', 10, 60_000), []);
      assert.strictEqual((await s.counts('n1')).dead, 1);
    });

    it('the same content delivered after a letter was accepted supersedes it too; delivered before (a resend) does not', async function () {
      const s = makeStore();
      // Accepted again while the first copy was dead, and delivered: the letter's content is already there.
      await s.enqueue([entry(1)]);
      const [first] = await s.claim('n1', 1, 60_000);
      await s.dead([first.id], 'undeliverable', []);
      await s.enqueue([entry(1)]);
      await s.delivered((await s.claim('n1', 1, 60_000)).map((e) => e.id));
      assert.strictEqual(await s.replay('n1'), 0);
      assert.deepStrictEqual((await s.deadLetters('n1')).map((e) => [e.id, e.reason]), [[first.id, 'superseded']]);
      // Delivered, then accepted again on purpose (resend): the letter is newer than the delivery and is replayed.
      await s.enqueue([entry(2)]);
      await s.delivered((await s.claim('n1', 1, 60_000)).map((e) => e.id));
      const [again] = (await s.enqueue([entry(2)], { resend: true })).accepted;
      await s.claim('n1', 1, 60_000);
      await s.dead([again.id], 'rejected', []);
      assert.strictEqual(await s.replay('n1'), 1);
      assert.deepStrictEqual((await s.claim('n1', 10, 60_000)).map((e) => e.id), [again.id]);
    });

    it('an older version delivered after a newer one was accepted does not supersede the newer letter', async function () {
      const s = makeStore();
      await s.enqueue([entry(1, { hash: 'v1' }), entry(1, { hash: 'v2' })]);
      const [v1] = await s.claim('n1', 10, 60_000);
      await s.delivered([v1.id]);
      const [v2] = await s.claim('n1', 10, 60_000);
      await s.dead([v2.id], 'rejected', []);
      assert.strictEqual(await s.replay('n1'), 1);
      assert.deepStrictEqual((await s.claim('n1', 10, 60_000)).map((e) => e.hash), ['v2']);
    });

    it('a letter replayed while a newer version is on the wire waits for it, then goes only if that one was not delivered', async function () {
      const s = makeStore();
      await s.enqueue([entry(1, { hash: 'v1' })]);
      const [v1] = await s.claim('n1', 1, 60_000);
      await s.dead([v1.id], 'rejected', []);
      await s.enqueue([entry(1, { hash: 'v2' }), entry(2)]);
      const [v2, h2] = await s.claim('n1', 10, 60_000);
      assert.strictEqual(await s.replay('n1'), 1);
      assert.deepStrictEqual(await s.claim('n1', 10, 60_000), [], 'the key is in flight');
      // The newer one fails: the older goes first again, as accepted.
      await s.retry([v2.id], [], 0);
      const [back] = await s.claim('n1', 10, 60_000);
      assert.strictEqual(back.id, v1.id);
      await s.dead([v1.id], 'rejected', []);
      const [v2again] = await s.claim('n1', 10, 60_000);
      assert.strictEqual(v2again.id, v2.id);
      assert.strictEqual(await s.replay('n1'), 1);
      // The newer one is delivered: the replayed older one is superseded, never sent.
      await s.delivered([v2.id, h2.id]);
      assert.deepStrictEqual(await s.claim('n1', 10, 60_000), []);
      assert.deepStrictEqual((await s.deadLetters('n1')).map((e) => [e.id, e.reason]), [[v1.id, 'superseded']]);
      const c = await s.counts('n1');
      assert.deepStrictEqual([c.waiting, c.inflight, c.dead, c.delivered], [0, 0, 1, 2]);
    });
  });
}

module.exports = { supersede };
