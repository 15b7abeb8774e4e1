'use strict';
// The Store contract (src/lib/outbox/store.ts), one suite run by the memory,
// SQLite and PostgreSQL tests: the same meaning of every state and count,
// leases that end under a moved clock (never a sleep), fencing by lease
// token, the time budget, shutdown, and superseded dead letters.
//
// `make()` returns {store, advance(ms)}: advance moves the store's clock (an
// injected one for memory and SQLite; for PostgreSQL, whose clock is the
// database's, it moves the stored times back by as much, which is the same).
const assert = require('assert');
const { mulberry32 } = require('./prng');

function entry(i, over = {}) {
  return {
    owner: 'n1',
    op: 'dossier',
    key: `dossier:HS${i}`,
    hash: `h${i}`,
    record: { MaHoSo: `HS${i}`, HoVaTen: 'Nguyễn Thị Hoa' },
    original: { maHoSo: `HS${i}` },
    meta: { _msgid: `m${i}` },
    ...over,
  };
}

const MIN = 60_000;
const ids = (list) => list.map((e) => e.id);

function contract(make) {
  describe('Store contract', function () {
    let s;
    let advance;
    beforeEach(async function () {
      ({ store: s, advance } = await make());
    });

    it('moves a read position in the enqueue that stores what was read, and forgets it on reset', async function () {
      assert.strictEqual(await s.cursor('hoso'), undefined, 'nothing before the first commit');
      const first = { time: { date: '2024-03-05T01:02:03.000Z' }, key: 'HS1', note: 'Xã Tân Phú' };
      await s.enqueue([entry(1), entry(2)], { cursors: new Map([['hoso', first]]) });
      assert.deepStrictEqual(await s.cursor('hoso'), first);
      // An empty page moves it too (every row of it was refused or already delivered).
      await s.enqueue([], { cursors: new Map([['hoso', { time: 5, key: 7 }], ['buoc', { key: 'B1' }]]) });
      assert.deepStrictEqual(await s.cursor('hoso'), { time: 5, key: 7 });
      assert.deepStrictEqual(await s.cursor('buoc'), { key: 'B1' });
      // What the caller gets is a copy: changing it changes nothing stored.
      (await s.cursor('buoc')).key = 'changed';
      assert.deepStrictEqual(await s.cursor('buoc'), { key: 'B1' });
      await s.enqueue([entry(3)]);
      assert.deepStrictEqual(await s.cursor('hoso'), { time: 5, key: 7 }, 'an enqueue without cursors leaves them');
      await s.resetCursor('hoso');
      assert.strictEqual(await s.cursor('hoso'), undefined);
      assert.deepStrictEqual(await s.cursor('buoc'), { key: 'B1' }, 'only the one named');
      assert.strictEqual((await s.counts('n1')).waiting, 3);
    });

    it('claims the oldest due entries of its owner only, up to the limit, in flight under one lease token', async function () {
      const { accepted } = await s.enqueue([entry(1), entry(2, { owner: 'n2' }), entry(3), entry(4)]);
      assert.deepStrictEqual(accepted.map((e) => [e.state, e.attempts]), [['waiting', 0], ['waiting', 0], ['waiting', 0], ['waiting', 0]]);
      assert.ok(accepted.every((e) => e.createdAt > 0 && e.id > 0));
      const got = await s.claim('n1', 2, MIN);
      assert.deepStrictEqual(got.map((e) => e.record.MaHoSo), ['HS1', 'HS3']);
      assert.ok(got.every((e) => e.state === 'inflight' && e.owner === 'n1'));
      assert.ok(got[0].lease && got[0].lease === got[1].lease, 'one token for the claim');
      // A claim is for sending: no originals (a backfill's wide rows); they are read when a dead letter needs one.
      assert.ok(got.every((e) => !('original' in e)), 'a claim carries no original');
      assert.deepStrictEqual(await s.originals(got.map((e) => e.id).concat(999_999)), new Map([[got[0].id, { maHoSo: 'HS1' }], [got[1].id, { maHoSo: 'HS3' }]]));
      assert.deepStrictEqual(await s.originals([]), new Map());
      assert.deepStrictEqual(got[0].meta, { _msgid: 'm1' });
      const next = await s.claim('n1', 10, MIN);
      assert.deepStrictEqual(next.map((e) => e.record.MaHoSo), ['HS4']);
      assert.notStrictEqual(next[0].lease, got[0].lease, 'a new claim, a new token');
      assert.deepStrictEqual(await s.claim('n1', 10, MIN), []);
    });

    it('never hands out two entries of one key at once, whoever owns them, and keeps their order', async function () {
      await s.enqueue([entry(1, { hash: 'v1' }), entry(1, { hash: 'v2' }), entry(1, { owner: 'n2', hash: 'v3' })]);
      const [v1] = await s.claim('n1', 10, MIN);
      assert.strictEqual(v1.hash, 'v1');
      assert.deepStrictEqual(await s.claim('n1', 10, MIN), [], 'the key is in flight');
      assert.deepStrictEqual(await s.claim('n2', 10, MIN), [], 'for every owner');
      // The older one backing off: the newer one must not overtake it.
      await s.retry([v1], [], MIN);
      assert.deepStrictEqual(await s.claim('n1', 10, MIN), []);
      await advance(MIN + 1);
      const [again] = await s.claim('n1', 10, MIN);
      assert.strictEqual(again.id, v1.id);
      assert.deepStrictEqual(await s.delivered([again]), [v1.id]);
      const [v2] = await s.claim('n1', 10, MIN);
      assert.strictEqual(v2.hash, 'v2');
    });

    it('retry counts the attempt, keeps the error and waits its delay on the store clock', async function () {
      await s.enqueue([entry(1)]);
      const [e] = await s.claim('n1', 1, MIN);
      const problems = [{ field: null, code: 'sendFailed', params: { status: 503 } }];
      assert.deepStrictEqual(await s.retry([e], problems, 30_000), [e.id]);
      assert.deepStrictEqual(await s.claim('n1', 1, MIN), []);
      let c = await s.counts('n1');
      assert.deepStrictEqual([c.waiting, c.inflight], [1, 0]);
      await advance(30_001);
      const [back] = await s.claim('n1', 1, MIN);
      assert.strictEqual(back.attempts, 1);
      assert.deepStrictEqual(back.lastError, problems);
      await s.retry([back], problems, 0);
      c = await s.counts('n1');
      assert.strictEqual(c.waiting, 1);
      assert.strictEqual((await s.claim('n1', 1, MIN))[0].attempts, 2);
    });

    it('delivered: kept until reported, counted, the key remembered; the same content is skipped unless resend', async function () {
      await s.enqueue([entry(1), entry(2)]);
      const got = await s.claim('n1', 10, MIN);
      assert.deepStrictEqual(await s.delivered(got), ids(got));
      let c = await s.counts('n1');
      assert.deepStrictEqual([c.waiting, c.inflight, c.dead, c.delivered], [0, 0, 0, 2], 'a delivered entry is neither waiting nor in flight');
      assert.deepStrictEqual(await s.unreported('n1', 10, MIN), [], 'its lease still runs: its sender is reporting it');
      assert.deepStrictEqual(await s.reported(got), ids(got));
      assert.deepStrictEqual(await s.reported(got), [], 'once');
      let r = await s.enqueue([entry(1)]);
      assert.deepStrictEqual([r.accepted.length, r.skipped.length], [0, 1]);
      assert.strictEqual((await s.counts('n1')).skipped, 1, 'a skip is counted, with the deliveries');
      r = await s.enqueue([entry(1, { hash: 'changed' })]);
      assert.strictEqual(r.accepted.length, 1);
      r = await s.enqueue([entry(2)], { resend: true });
      assert.strictEqual(r.accepted.length, 1);
      const again = await s.claim('n1', 10, MIN);
      await s.delivered(again);
      c = await s.counts('n1');
      assert.strictEqual(c.delivered, 4, 'every delivery counts, the same key again too');
      assert.strictEqual(c.skipped, 1, 'a changed record and a resend are not skips');
      assert.deepStrictEqual([(await s.counts('n2')).delivered, (await s.counts('n2')).skipped], [0, 0]);
    });

    it('forget: deliveries remembered longer than the retention go, oldest first and a chunk at a time; their keys are sent again', async function () {
      const DAY = 86_400_000;
      await s.enqueue([entry(1), entry(2), entry(3)]);
      const old = await s.claim('n1', 3, MIN);
      await s.delivered(old);
      await s.reported(old);
      await advance(40 * DAY);
      await s.enqueue([entry(4)]);
      const young = await s.claim('n1', 1, MIN);
      await s.delivered(young);
      await s.reported(young);
      await advance(1 * DAY);
      // Each pass forgets up to 2 deliveries and up to 2 journal events, and answers the larger
      // count (how many events a store keeps per record is its own: at least the delivery).
      const passes = [];
      for (let n = 2; n === 2; ) passes.push((n = await s.forget(30 * DAY, 2)));
      assert.ok(passes.length >= 2 && passes.slice(0, -1).every((n) => n === 2) && passes[passes.length - 1] < 2, String(passes));
      for (const d of ['HS1', 'HS2', 'HS3']) assert.deepStrictEqual(await s.history(d), [], `${d}: its journal is past the retention too`);
      assert.deepStrictEqual((await s.history('HS4')).map((e) => e.event), ['accepted', 'delivered'], 'the young one keeps its journal');
      const r = await s.enqueue([entry(1), entry(2), entry(3), entry(4)]);
      assert.deepStrictEqual(r.accepted.map((e) => e.key).sort(), ['dossier:HS1', 'dossier:HS2', 'dossier:HS3'], 'forgotten: sent again');
      assert.deepStrictEqual(r.skipped.map((e) => e.key), ['dossier:HS4'], 'within the retention: still skipped');
      assert.strictEqual((await s.counts('n1')).delivered, 4, 'the delivered count stays');
    });

    it('forget: memories (cursors named seen:…) last written longer ago than the retention go with the deliveries; positions stay', async function () {
      const DAY = 86_400_000;
      await s.enqueue([], { cursors: new Map([['seen:p1:HS1', { hash: 'a' }], ['seen:p1:HS2', { hash: 'b' }], ['seen:p1:HS3', { hash: 'c' }], ['pull:p1:window', { until: 1 }]]) });
      await advance(40 * DAY);
      // Written again: young from now on.
      await s.enqueue([], { cursors: new Map([['seen:p1:HS2', { hash: 'b2' }], ['seen:p1:HS4', { hash: 'd' }]]) });
      await advance(1 * DAY);
      const passes = [];
      for (let n = 1; n === 1; ) passes.push((n = await s.forget(30 * DAY, 1)));
      assert.deepStrictEqual(passes, [1, 1, 0], 'a chunk (1) at a time: HS1, HS3');
      assert.strictEqual(await s.cursor('seen:p1:HS1'), undefined);
      assert.strictEqual(await s.cursor('seen:p1:HS3'), undefined);
      assert.deepStrictEqual(await s.cursor('seen:p1:HS2'), { hash: 'b2' }, 'rewritten within the retention');
      assert.deepStrictEqual(await s.cursor('seen:p1:HS4'), { hash: 'd' });
      assert.deepStrictEqual(await s.cursor('pull:p1:window'), { until: 1 }, 'a position is never forgotten');
    });

    it('journals every step of every record of a dossier, with the exchange that decided it, ids masked: its history', async function () {
      const step = (over = {}) => entry(1, { op: 'progress', key: 'progress:HS1|20240305080000', hash: 's1', record: { MaHoSo: 'HS1', ThoiDiemXuLy: '20240305080000' }, ...over });
      // A millisecond between steps, as on a real clock (events of one millisecond are ordered too, acceptances first).
      await s.enqueue([entry(1), step(), entry(2)]);
      await advance(1);
      let [d, p, other] = await s.claim('n1', 10, MIN);
      const busy = { status: 503, code: 'serverError', message: 'Hệ thống đang bận', ms: 120.4 };
      await s.retry([d, other], [{ field: null, code: 'sendFailed', params: { status: 503 } }], 0, busy);
      await advance(1);
      const refused = { status: 200, code: '1', message: 'Số CCCD 001234567845 không hợp lệ', ms: 80 };
      await s.dead([p], 'rejected', [{ field: null, code: 'rejectedByServer', params: { message: 'Số CCCD 001234567845 không hợp lệ' } }], { tried: true, exchange: refused });
      await advance(1);
      [d] = (await s.claim('n1', 10, MIN)).filter((e) => e.key === 'dossier:HS1');
      await s.delivered([d], { status: 200, code: '0', message: 'Thành công', ms: 95 });
      await s.reported([d]);
      await advance(1);
      assert.strictEqual(await s.replay('n1', { keys: ['progress:HS1|20240305080000'] }), 1);
      await advance(1);
      await s.enqueue([entry(1)]); // the same content again: skipped
      const h = await s.history('HS1');
      assert.deepStrictEqual(h.map((e) => [e.op, e.event, e.attempt]), [
        ['dossier', 'accepted', undefined],
        ['progress', 'accepted', undefined],
        ['dossier', 'retried', 1],
        ['progress', 'rejected', 1],
        ['dossier', 'delivered', 2],
        ['progress', 'replayed', undefined],
        ['dossier', 'skipped', undefined],
      ]);
      assert.ok(h.every((e) => e.dossier === 'HS1' && e.owner === 'n1' && e.at > 0), 'MaHoSo, owner and time on every event');
      assert.ok(h.every((e, i) => i === 0 || e.at > h[i - 1].at || (e.at === h[i - 1].at && (e.event !== 'accepted' || h[i - 1].event === 'accepted'))), 'oldest first');
      assert.deepStrictEqual([h[0].entry, h[4].entry], [d.id, d.id], 'the entry it is about');
      assert.strictEqual(h[6].entry, 0, 'a skip makes no entry');
      assert.strictEqual(h[1].key, 'progress:HS1|20240305080000');
      assert.deepStrictEqual(h[2].exchange, { status: 503, code: 'serverError', message: 'Hệ thống đang bận', ms: 120 });
      assert.deepStrictEqual(h[2].errors, [{ field: null, code: 'sendFailed', params: { status: 503 } }]);
      assert.deepStrictEqual(h[3].exchange, { status: 200, code: '1', message: 'Số CCCD 0012******45 không hợp lệ', ms: 80 }, 'the id masked');
      assert.strictEqual(h[3].errors[0].params.message, 'Số CCCD 0012******45 không hợp lệ', 'in the errors too');
      assert.deepStrictEqual(h[4].exchange, { status: 200, code: '0', message: 'Thành công', ms: 95 });
      assert.ok(!JSON.stringify(h).includes('001234567845'), 'nowhere in full');
      assert.deepStrictEqual((await s.history('HS2')).map((e) => [e.event, e.attempt]), [['accepted', undefined], ['retried', 1]], 'one dossier only');
      assert.deepStrictEqual(await s.history('HS9'), []);
      assert.deepStrictEqual((await s.history('HS1', 2)).map((e) => e.event), ['replayed', 'skipped'], 'a limit keeps the newest');
    });

    it('a report reads the journal in the order written, from a time on and a chunk at a time, and the queue without its records', async function () {
      const facts = { procedure: '1.001776', province: '01', district: '001', commune: '00004', submitted: '03/11/2025 08:15:00' };
      await s.enqueue([entry(1, { facts }), entry(2), entry(3, { facts })]);
      await advance(1);
      const [a, b, c] = await s.claim('n1', 10, MIN);
      await s.delivered([a, b], { status: 200, code: '0', ms: 10 });
      await advance(1);
      await s.retry([c], [{ field: null, code: 'sendFailed' }], 0, { status: 503, code: 'serverError' });
      const all = await s.events(0, 0, 10);
      assert.deepStrictEqual(all.events.map((e) => [e.key, e.event]), [['dossier:HS1', 'delivered'], ['dossier:HS2', 'delivered'], ['dossier:HS3', 'retried']]);
      assert.deepStrictEqual(all.events[0].facts, facts, 'the facts of the entry');
      assert.strictEqual(all.events[1].facts, undefined);
      assert.ok(all.events.every((e) => e.accepted > 0 && e.accepted < e.at), 'each event knows when its entry was accepted');
      const more = await s.events(0, all.next, 10);
      assert.deepStrictEqual([more.events, more.next], [[], all.next], 'nothing after the last');
      // A chunk at a time: the same events, in the same order.
      const read = [];
      for (let at = 0, n = 0; n < 10; n++) {
        const chunk = await s.events(0, at, 2);
        if (!chunk.events.length) break;
        read.push(...chunk.events.map((e) => e.event));
        at = chunk.next;
      }
      assert.deepStrictEqual(read, ['delivered', 'delivered', 'retried']);
      assert.deepStrictEqual((await s.events(all.events[2].at, 0, 10)).events.map((e) => e.event), ['retried'], 'from a time on');
      const q = await s.queued(0, 10);
      assert.deepStrictEqual(q.map((e) => [e.key, e.state]), [['dossier:HS3', 'waiting']], 'delivered entries are not queued');
      assert.deepStrictEqual(q[0].facts, facts);
      assert.ok(q[0].createdAt > 0 && !('record' in q[0]) && !('original' in q[0]), 'no record');
      await s.enqueue([entry(4), entry(5)]);
      const first = await s.queued(0, 2);
      assert.deepStrictEqual(first.map((e) => e.key), ['dossier:HS3', 'dossier:HS4']);
      assert.deepStrictEqual((await s.queued(first[1].id, 2)).map((e) => e.key), ['dossier:HS5'], 'after an id');
    });

    it('journals superseded letters, and what expire and abandon bury', async function () {
      await s.enqueue([entry(3, { hash: 'v1' })]);
      await advance(1);
      await s.dead(await s.claim('n1', 1, MIN), 'rejected', [], { tried: true });
      await advance(1);
      await s.enqueue([entry(3, { hash: 'v2' })]);
      await advance(1);
      await s.delivered(await s.claim('n1', 1, MIN));
      assert.deepStrictEqual((await s.history('HS3')).map((e) => e.event), ['accepted', 'rejected', 'accepted', 'delivered', 'superseded']);
      await s.enqueue([entry(4)]);
      await advance(2 * MIN);
      await s.enqueue([entry(5)]);
      const why = [{ field: null, code: 'undeliverable', params: { days: 1 } }];
      assert.deepStrictEqual((await s.expire('n1', MIN, why)).map((e) => e.key), ['dossier:HS4']);
      assert.deepStrictEqual((await s.abandon('n1', why)).map((e) => e.key), ['dossier:HS5']);
      for (const d of ['HS4', 'HS5']) {
        const h = await s.history(d);
        assert.deepStrictEqual(h.map((e) => e.event), ['accepted', 'dead'], d);
        assert.deepStrictEqual(h[1].errors, why);
      }
    });

    it('a delivery left unreported (a crash between the two) is handed out again once its lease ends, under a new token', async function () {
      await s.enqueue([entry(1), entry(2)]);
      const got = await s.claim('n1', 10, MIN);
      await s.delivered(got);
      await advance(MIN + 1);
      const left = await s.unreported('n1', 10, MIN);
      assert.deepStrictEqual(left.map((e) => [e.id, e.state, e.record.MaHoSo]), [[got[0].id, 'delivered', 'HS1'], [got[1].id, 'delivered', 'HS2']]);
      assert.notStrictEqual(left[0].lease, got[0].lease);
      assert.deepStrictEqual(await s.unreported('n1', 10, MIN), [], 'held by the one reporting it');
      assert.deepStrictEqual(await s.reported(got), [], 'the old token reports nothing');
      assert.deepStrictEqual(await s.reported(left), ids(left));
      assert.strictEqual((await s.counts('n1')).delivered, 2, 'reporting is not delivering again');
    });

    it('fencing: once a lease ends and another claim takes the entry, every write of the old claim is refused', async function () {
      await s.enqueue([entry(1), entry(2), entry(3)]);
      const old = await s.claim('n1', 10, 1000);
      await advance(1001);
      const fresh = await s.claim('n1', 10, MIN);
      assert.deepStrictEqual(ids(fresh), ids(old), 'taken over');
      assert.deepStrictEqual(await s.extend(old, MIN), []);
      assert.deepStrictEqual(await s.retry([old[0]], [], 0), []);
      assert.deepStrictEqual(await s.dead([old[1]], 'rejected', []), []);
      assert.deepStrictEqual(await s.release(old), []);
      assert.deepStrictEqual(await s.delivered([old[2]]), []);
      let c = await s.counts('n1');
      assert.deepStrictEqual([c.waiting, c.inflight, c.dead, c.delivered], [0, 3, 0, 0], 'nothing the old claim said took effect');
      assert.deepStrictEqual(await s.claim('n1', 10, MIN), [], 'the keys stay held by the new claim');
      // The new claim's writes go through.
      assert.deepStrictEqual(await s.extend(fresh, MIN), ids(fresh));
      assert.deepStrictEqual(await s.retry([fresh[0]], [], 0), [fresh[0].id]);
      assert.deepStrictEqual(await s.dead([fresh[1]], 'rejected', [], { tried: true }), [fresh[1].id]);
      assert.deepStrictEqual(await s.delivered([fresh[2]]), [fresh[2].id]);
      c = await s.counts('n1');
      assert.deepStrictEqual([c.waiting, c.inflight, c.dead, c.delivered], [1, 0, 1, 1]);
      assert.deepStrictEqual(await s.retry([fresh[0]], [], 0), [], 'a token is good for one outcome');
    });

    it('extend renews the lease of entries still held, and leaves the others as they are', async function () {
      await s.enqueue([entry(1), entry(2), entry(3), entry(4)]);
      const [h1, h2, h3] = await s.claim('n1', 3, 30_000);
      await s.retry([h2], [], 100_000);
      await s.dead([h3], 'rejected', []);
      await advance(20_000);
      assert.deepStrictEqual(await s.extend([h1, h2, h3, { id: h3.id + 1000, lease: h1.lease }], 30_000), [h1.id]);
      const c = await s.counts('n1');
      assert.deepStrictEqual([c.waiting, c.inflight, c.dead], [2, 1, 1], 'nothing but the in-flight entry changed');
      await advance(15_000); // past the claim's lease, within the renewed one
      assert.deepStrictEqual((await s.claim('n1', 10, 30_000)).map((e) => e.record.MaHoSo), ['HS4'], 'HS1 is still held');
      await advance(15_001);
      assert.deepStrictEqual(ids(await s.claim('n1', 10, 30_000)), [h1.id], 'the renewed lease ends too');
    });

    it('release puts the claimed entries back to waiting, due at once', async function () {
      await s.enqueue([entry(1), entry(2, { owner: 'n2' })]);
      const mine = await s.claim('n1', 1, MIN);
      await s.claim('n2', 1, MIN);
      assert.deepStrictEqual(await s.release(mine), ids(mine));
      const c = await s.counts('n1');
      assert.deepStrictEqual([c.waiting, c.inflight], [1, 0]);
      assert.strictEqual((await s.counts('n2')).inflight, 1);
      assert.strictEqual((await s.claim('n1', 1, MIN)).length, 1);
    });

    it('dead letters are listed, replayed by key or reason with attempts reset and the key kept', async function () {
      await s.enqueue([entry(1), entry(2), entry(3)]);
      const got = await s.claim('n1', 3, MIN);
      await s.dead([got[0]], 'undeliverable', [{ field: null, code: 'undeliverable' }], { tried: true });
      await s.dead([got[1]], 'rejected', [{ field: null, code: 'rejectedByServer' }], { tried: true });
      await s.dead([got[2]], 'rejected', [{ field: null, code: 'rejectedByServer' }]);
      const dead = await s.deadLetters('n1');
      assert.deepStrictEqual(dead.map((e) => [e.record.MaHoSo, e.reason, e.attempts]), [['HS1', 'undeliverable', 1], ['HS2', 'rejected', 1], ['HS3', 'rejected', 0]]);
      assert.ok(dead.every((e) => e.deadAt >= e.createdAt && e.lease === undefined));
      assert.strictEqual(await s.replay('n1', { reason: 'undeliverable' }), 1);
      assert.strictEqual(await s.replay('n1', { keys: [got[2].key] }), 1);
      assert.strictEqual(await s.replay('n2'), 0);
      const back = await s.claim('n1', 10, MIN);
      assert.deepStrictEqual(back.map((e) => e.record.MaHoSo), ['HS1', 'HS3']);
      assert.ok(back.every((e) => e.attempts === 0 && e.reason === undefined && e.deadAt === undefined));
      assert.strictEqual(back[0].key, got[0].key);
      assert.deepStrictEqual((await s.deadLetters('n1')).map((e) => e.record.MaHoSo), ['HS2']);
      assert.deepStrictEqual(await s.retry([got[1]], [], 0), [], 'retry leaves a dead letter dead');
    });

    it('expire: waiting entries older than the budget become undeliverable dead letters; in-flight and younger ones stay', async function () {
      await s.enqueue([entry(1), entry(2), entry(3, { owner: 'n2' })]);
      await advance(10_000);
      await s.enqueue([entry(4)]);
      const [held] = await s.claim('n1', 1, 10 * MIN);
      const why = [{ field: null, code: 'undeliverable', params: { days: 7 } }];
      const gone = await s.expire('n1', 5000, why);
      assert.deepStrictEqual(gone.map((e) => [e.record.MaHoSo, e.state, e.reason]), [['HS2', 'dead', 'undeliverable']]);
      assert.deepStrictEqual(gone[0].lastError, why);
      assert.deepStrictEqual(gone[0].original, { maHoSo: 'HS2' }, 'with what output 2 needs');
      assert.strictEqual(held.record.MaHoSo, 'HS1');
      const c = await s.counts('n1');
      assert.deepStrictEqual([c.waiting, c.inflight, c.dead], [1, 1, 1]);
      assert.strictEqual((await s.counts('n2')).waiting, 1, 'other owners are theirs to expire');
      assert.deepStrictEqual(await s.expire('n1', 5000, why), []);
    });

    it('abandon: every waiting (backing off too) and in-flight entry of the owner becomes a dead letter, returned', async function () {
      await s.enqueue([entry(1), entry(2), entry(3), entry(4), entry(5, { owner: 'n2' })]);
      const [a, b, c3] = await s.claim('n1', 3, MIN);
      await s.retry([a], [], 10 * MIN);
      await s.delivered([b]);
      const shutdown = [{ field: null, code: 'shutdown' }];
      const gone = await s.abandon('n1', shutdown);
      assert.deepStrictEqual(gone.map((e) => [e.record.MaHoSo, e.reason]), [['HS1', 'undeliverable'], ['HS3', 'undeliverable'], ['HS4', 'undeliverable']]);
      assert.ok(gone.every((e) => e.state === 'dead'));
      assert.strictEqual(c3.record.MaHoSo, 'HS3');
      const c = await s.counts('n1');
      assert.deepStrictEqual([c.waiting, c.inflight, c.dead, c.delivered], [0, 0, 3, 1]);
      assert.strictEqual((await s.counts('n2')).waiting, 1);
    });

    it('counts: waiting, in flight, dead and delivered of the owner, and the age of the oldest unsent entry', async function () {
      assert.deepStrictEqual(await s.counts('n1'), { waiting: 0, inflight: 0, dead: 0, delivered: 0, skipped: 0, oldestMs: 0 });
      await s.enqueue([entry(1), entry(2), entry(3), entry(4), entry(9, { owner: 'n2' })]);
      await advance(5000);
      const [x, y] = await s.claim('n1', 2, MIN);
      await s.delivered([x]);
      await s.reported([x]);
      await s.dead([y], 'rejected', []);
      await s.claim('n1', 1, MIN);
      const c = await s.counts('n1');
      assert.deepStrictEqual({ ...c, oldestMs: 0 }, { waiting: 1, inflight: 1, dead: 1, delivered: 1, skipped: 0, oldestMs: 0 });
      assert.ok(c.oldestMs >= 5000 && c.oldestMs < 60_000, `oldest ${c.oldestMs} ms`);
    });

    it('counts stay true through every move, for each owner: a seeded walk of enqueue, claim, deliver, report, retry, release, dead, replay, abandon', async function () {
      this.timeout(60_000);
      const rand = mulberry32(1103);
      const pick = (list) => list[Math.floor(rand() * list.length)];
      // The model: each entry's owner, key, state and reason, driven by what the store answers.
      const model = new Map();
      const held = new Map();
      let n = 0;
      const expect = (owner) => {
        const c = { waiting: 0, inflight: 0, dead: 0 };
        for (const e of model.values()) if (e.owner === owner && e.state in c) c[e.state] += 1;
        return c;
      };
      for (let step = 0; step < 300; step++) {
        const owner = rand() < 0.7 ? 'n1' : 'n2';
        const mine = [...held.values()].filter((h) => h.owner === owner);
        const r = rand();
        if (r < 0.3) {
          const batch = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => entry(++n, { owner, key: `dossier:K${Math.floor(rand() * 12)}`, hash: `h${n}` }));
          for (const e of (await s.enqueue(batch)).accepted) model.set(e.id, { owner, key: e.key, state: 'waiting' });
        } else if (r < 0.5) {
          for (const e of await s.claim(owner, 1 + Math.floor(rand() * 3), MIN)) {
            model.get(e.id).state = 'inflight';
            held.set(e.id, { ...e, owner });
          }
        } else if (r < 0.85 && mine.length) {
          const h = pick(mine);
          held.delete(h.id);
          const what = pick(['delivered', 'retry', 'release', 'dead']);
          if (what === 'delivered') {
            for (const id of await s.delivered([h])) {
              model.get(id).state = 'delivered';
              for (const [oid, o] of model) {
                if (o.key === h.key && oid < id && o.reason !== 'superseded' && (o.state === 'dead' || o.state === 'waiting')) Object.assign(o, { state: 'dead', reason: 'superseded' });
              }
            }
            if (rand() < 0.8) for (const id of await s.reported([h])) model.delete(id);
          } else if (what === 'dead') {
            for (const id of await s.dead([h], 'rejected', [])) Object.assign(model.get(id), { state: 'dead', reason: 'rejected' });
          } else {
            const ids = what === 'retry' ? await s.retry([h], [], 0) : await s.release([h]);
            for (const id of ids) model.get(id).state = 'waiting';
          }
        } else if (r < 0.95) {
          const letters = [...model.values()].filter((e) => e.owner === owner && e.state === 'dead' && e.reason !== 'superseded');
          assert.strictEqual(await s.replay(owner), letters.length, `step ${step}: replay`);
          for (const e of letters) Object.assign(e, { state: 'waiting', reason: undefined });
        } else {
          for (const e of await s.abandon(owner, [])) Object.assign(model.get(e.id), { state: 'dead', reason: 'undeliverable' });
          for (const h of mine) held.delete(h.id);
        }
        await advance(1000);
        for (const who of ['n1', 'n2']) {
          const c = await s.counts(who);
          const want = expect(who);
          assert.deepStrictEqual({ waiting: c.waiting, inflight: c.inflight, dead: c.dead }, want, `step ${step}, ${who}`);
          assert.strictEqual(c.oldestMs >= 1000, want.waiting + want.inflight > 0, `step ${step}, ${who}: oldest ${c.oldestMs} ms`);
        }
      }
    });

    supersede(() => s);
  });
}

/** A dead letter is superseded, never replayed, once its key was delivered with newer content. */
function supersede(get) {
  describe('superseded dead letters', function () {
    it('a newer version delivered supersedes an older dead letter of its key: replay leaves it dead, listed', async function () {
      const s = get();
      const bad = [{ field: null, code: 'rejectedByServer' }];
      await s.enqueue([entry(1, { hash: 'v1' })]);
      const [v1] = await s.claim('n1', 1, MIN);
      await s.dead([v1], 'rejected', bad, { tried: true });
      await s.enqueue([entry(1, { hash: 'v2' })]);
      const [v2] = await s.claim('n1', 1, MIN);
      await s.delivered([v2]);
      assert.strictEqual(await s.replay('n1'), 0);
      assert.strictEqual(await s.replay('n1', { keys: ['dossier:HS1'] }), 0);
      assert.strictEqual(await s.replay('n1', { reason: 'superseded' }), 0, 'not even when asked by reason');
      const dl = await s.deadLetters('n1');
      assert.deepStrictEqual(dl.map((e) => [e.id, e.state, e.reason, e.attempts, e.hash]), [[v1.id, 'dead', 'superseded', 1, 'v1']]);
      assert.deepStrictEqual(dl[0].lastError, bad, 'the error that killed it is kept');
      assert.ok(dl[0].deadAt >= dl[0].createdAt);
      assert.deepStrictEqual(await s.claim('n1', 10, MIN), []);
      assert.strictEqual((await s.counts('n1')).dead, 1);
    });

    it('the same content delivered after a letter was accepted supersedes it too; delivered before (a resend) does not', async function () {
      const s = get();
      await s.enqueue([entry(1)]);
      const [first] = await s.claim('n1', 1, MIN);
      await s.dead([first], 'undeliverable', []);
      await s.enqueue([entry(1)]);
      await s.delivered(await s.claim('n1', 1, MIN));
      assert.strictEqual(await s.replay('n1'), 0);
      assert.deepStrictEqual((await s.deadLetters('n1')).map((e) => [e.id, e.reason]), [[first.id, 'superseded']]);
      // Delivered, then accepted again on purpose (resend): the letter is newer than the delivery and is replayed.
      await s.enqueue([entry(2)]);
      await s.delivered(await s.claim('n1', 1, MIN));
      const [again] = (await s.enqueue([entry(2)], { resend: true })).accepted;
      const claimed = await s.claim('n1', 1, MIN);
      await s.dead(claimed, 'rejected', []);
      assert.strictEqual(await s.replay('n1'), 1);
      assert.deepStrictEqual(ids(await s.claim('n1', 10, MIN)), [again.id]);
    });

    it('an older version delivered after a newer one was accepted does not supersede the newer letter', async function () {
      const s = get();
      await s.enqueue([entry(1, { hash: 'v1' }), entry(1, { hash: 'v2' })]);
      const [v1] = await s.claim('n1', 10, MIN);
      await s.delivered([v1]);
      const [v2] = await s.claim('n1', 10, MIN);
      await s.dead([v2], 'rejected', []);
      assert.strictEqual(await s.replay('n1'), 1);
      assert.deepStrictEqual((await s.claim('n1', 10, MIN)).map((e) => e.hash), ['v2']);
    });

    it('a letter replayed while a newer version is on the wire waits for it, then goes only if that one was not delivered', async function () {
      const s = get();
      await s.enqueue([entry(1, { hash: 'v1' })]);
      const [v1] = await s.claim('n1', 1, MIN);
      await s.dead([v1], 'rejected', []);
      await s.enqueue([entry(1, { hash: 'v2' }), entry(2)]);
      const [v2, h2] = await s.claim('n1', 10, MIN);
      assert.strictEqual(await s.replay('n1'), 1);
      assert.deepStrictEqual(await s.claim('n1', 10, MIN), [], 'the key is in flight');
      // The newer one fails: the older goes first again, as accepted.
      await s.retry([v2], [], 0);
      const [back] = await s.claim('n1', 10, MIN);
      assert.strictEqual(back.id, v1.id);
      await s.dead([back], 'rejected', []);
      const [v2again] = await s.claim('n1', 10, MIN);
      assert.strictEqual(v2again.id, v2.id);
      assert.strictEqual(await s.replay('n1'), 1);
      // The newer one is delivered: the replayed older one is superseded, never sent.
      await s.delivered([v2again, h2]);
      assert.deepStrictEqual(await s.claim('n1', 10, MIN), []);
      assert.deepStrictEqual((await s.deadLetters('n1')).map((e) => [e.id, e.reason]), [[v1.id, 'superseded']]);
      const c = await s.counts('n1');
      assert.deepStrictEqual([c.waiting, c.inflight, c.dead, c.delivered], [0, 0, 1, 2]);
    });
  });
}

module.exports = { contract, entry };
