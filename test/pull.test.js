'use strict';
// D22 (issue 15, point 4), the part done: the way back from BTXH — the sandbox's dossiers
// registered "at the ministry", the client's pull, and the Puller that keeps its window and
// what it handed over in the outbox store, across a restart. The btxh-pull node itself is not
// built yet (see the notes).
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { createSandbox } = require('../sandbox/server');
const { camel, vnTime } = require('../sandbox/ministry');
const { Connection } = require('../lib/client');
const { ThreadStore } = require('../lib/outbox/thread');
const { Puller, OVERLAP_MS } = require('../lib/pull/puller');
const { dossier } = require('./support/records');

const KEY = 'khoa-keo-ve-01';
// 7 December 2026, 10:00 in Vietnam.
const NOW = Date.UTC(2026, 11, 7, 3);
const HOUR = 3_600_000;

describe('D22: dossiers pulled back from BTXH (case A2)', function () {
  let sandbox;
  let conn;
  let dir;
  beforeEach(async () => {
    sandbox = await createSandbox({ port: 0, key: KEY });
    conn = new Connection({ baseUrl: sandbox.url, mode: 'key', key: KEY });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'btxh-pull-'));
  });
  afterEach(async () => {
    conn.close();
    await sandbox.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const window = (from, to) => ({ MaTinh: '01', ThoiGianBatDau: from, ThoiGianKetThuc: to });

  it('the sandbox answers a pull as the deployed system does: the province\'s dossiers of the window, camelCase, in an envelope', async function () {
    sandbox.register([dossier(1), dossier(2)], NOW - HOUR);
    sandbox.register([dossier(3, { MaTinh: '79', MaHuyen: '760', MaXa: '26734' })], NOW - HOUR);
    sandbox.register([dossier(4)], NOW - 3 * 24 * HOUR);
    const r = await conn.pull(window('06/12/2026 00:00:00', '07/12/2026 10:00:00'));
    assert.strictEqual(r.ok, true, JSON.stringify(r));
    assert.deepStrictEqual(r.items.map((d) => d.maHoSo), [dossier(1).MaHoSo, dossier(2).MaHoSo], 'only province 01, only the window');
    assert.ok('hoVaTen' in r.items[0] && 'submitedDate' in r.items[0] && !('HoVaTen' in r.items[0]));
    const wrong = await new Connection({ baseUrl: sandbox.url, mode: 'key', key: 'khac' }).pull(window('06/12/2026 00:00:00', '07/12/2026 10:00:00'));
    assert.deepStrictEqual([wrong.ok, wrong.status], [false, 401]);
    assert.ok(!JSON.stringify(wrong).includes('khac'), 'the key is not echoed');
    const bad = await conn.pull(window('2026-12-06', '07/12/2026 10:00:00'));
    assert.deepStrictEqual([bad.ok, bad.kind, bad.code], [false, 'rejected', 'apiError']);
    assert.match(bad.message, /ThoiGianBatDau/);
  });

  it('names and times as the deployed system writes them', function () {
    assert.deepStrictEqual(['CMND_NgayCap', 'HKTT_MaTinh', 'HoVaTen', 'MaHoSo', 'CMND'].map(camel), ['cmnD_NgayCap', 'hktT_MaTinh', 'hoVaTen', 'maHoSo', 'cmnd']);
    assert.strictEqual(vnTime('07/12/2026 10:00:00'), NOW);
    assert.strictEqual(vnTime('31/02/2026 10:00:00'), undefined);
  });

  it('the Puller hands over each dossier once, under the table\'s names, keeps its window across a restart, and hands over a changed one again', async function () {
    const file = path.join(dir, 'outbox.sqlite');
    let t = NOW;
    let store = new ThreadStore({ file });
    const puller = () => new Puller({ owner: 'pull1', units: { MaTinh: '01' }, store, pull: (q) => conn.pull(q), now: () => t });
    sandbox.register([dossier(1), dossier(2)], NOW - HOUR);
    const handed = [];
    let run = await puller().run((r) => handed.push(...r.pulled));
    assert.deepStrictEqual([run.from, run.to], [Date.UTC(2026, 11, 5, 17), NOW], 'the first window: from yesterday 00:00 (Vietnam) to now');
    assert.deepStrictEqual(handed.map((p) => [p.record.MaHoSo, p.change]), [[dossier(1).MaHoSo, 'new'], [dossier(2).MaHoSo, 'new']]);
    const rec = handed[0].record;
    assert.strictEqual(rec.HoVaTen, dossier(1).HoVaTen);
    assert.strictEqual(rec.SubmittedDate, dossier(1).SubmittedDate, 'submitedDate read as SubmittedDate');
    assert.strictEqual(rec.GioiTinhId, '1034', 'normalised as the push side would ("Nam")');
    assert.deepStrictEqual(handed[0].warnings.filter((w) => w.code === 'alias'), [], 'BTXH\'s camelCase is not a user\'s spelling');

    // Restart: the same file, a new store and Puller. The next window starts where the last ended (minus the overlap).
    await store.close();
    store = new ThreadStore({ file });
    t = NOW + HOUR;
    sandbox.register([dossier(3)], NOW + HOUR / 2);
    handed.length = 0;
    run = await puller().run((r) => handed.push(...r.pulled));
    assert.strictEqual(run.from, NOW - OVERLAP_MS);
    assert.deepStrictEqual(handed.map((p) => [p.record.MaHoSo, p.change]), [[dossier(3).MaHoSo, 'new']], 'only the new one');

    // The same dossier changed at the ministry (registered again), and one inside the overlap again: the changed one only.
    sandbox.register([dossier(3, { HoVaTen: 'Đinh Văn Thắng' })], NOW + HOUR + 60_000);
    t = NOW + 2 * HOUR;
    handed.length = 0;
    run = await puller().run((r) => handed.push(...r.pulled));
    assert.deepStrictEqual(handed.map((p) => [p.record.MaHoSo, p.change, p.record.HoVaTen]), [[dossier(3).MaHoSo, 'changed', 'Đinh Văn Thắng']]);

    // BTXH unreachable: nothing handed over, the window stays; the next pull catches up.
    sandbox.faults({ outage: true });
    t = NOW + 3 * HOUR;
    run = await puller().run(() => assert.fail('nothing to hand over'));
    assert.ok(run.failure && run.failure.kind === 'transient', JSON.stringify(run.failure));
    sandbox.faults({});
    sandbox.register([dossier(5)], NOW + 2.5 * HOUR);
    t = NOW + 4 * HOUR;
    handed.length = 0;
    run = await puller().run((r) => handed.push(...r.pulled));
    assert.strictEqual(run.from, NOW + 2 * HOUR - OVERLAP_MS, 'from where the last good pull ended');
    assert.deepStrictEqual(handed.map((p) => p.record.MaHoSo), [dossier(5).MaHoSo]);
    await store.close();
  });

  it('an item the dossier table refuses is never handed over, and said with its problems', async function () {
    const { MemoryStore } = require('../lib/outbox');
    sandbox.register([dossier(6, { MaXa: '99999' }), dossier(7)], NOW - HOUR);
    const p = new Puller({ owner: 'pull2', units: { MaTinh: '01' }, store: new MemoryStore(), pull: (q) => conn.pull(q), now: () => NOW });
    const run = await p.run();
    assert.deepStrictEqual(run.pulled.map((d) => d.record.MaHoSo), [dossier(7).MaHoSo]);
    assert.strictEqual(run.invalid.length, 1);
    assert.ok(run.invalid[0].errors.some((e) => e.field === 'MaXa'));
  });
});
