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

  it('a run whose dossiers were not handed over (the node closing) moves nothing: the next one hands them over', async function () {
    const { MemoryStore } = require('../lib/outbox');
    sandbox.register([dossier(8)], NOW - HOUR);
    const store = new MemoryStore();
    const p = new Puller({ owner: 'pull3', units: { MaTinh: '01' }, store, pull: (q) => conn.pull(q), now: () => NOW });
    await p.run(() => false);
    assert.strictEqual(await p.lastUntil(), undefined, 'the window did not move');
    const handed = [];
    await p.run((r) => handed.push(...r.pulled));
    assert.deepStrictEqual(handed.map((d) => [d.record.MaHoSo, d.change]), [[dossier(8).MaHoSo, 'new']]);
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

describe('D22: the units a pull asks for', function () {
  const { pullUnits } = require('../lib/pull/units');
  it('pads codes as the catalogue keeps them, and refuses one it does not know or that lies elsewhere, naming the field', function () {
    assert.deepStrictEqual(pullUnits({ MaTinh: 1 }, 'pre-2025'), { MaTinh: '01' });
    assert.deepStrictEqual(pullUnits({ MaTinh: '01', MaHuyen: '1', MaXa: '4' }, 'pre-2025'), { MaTinh: '01', MaHuyen: '001', MaXa: '00004' });
    assert.deepStrictEqual(pullUnits({ MaTinh: '99' }, 'pre-2025'), { field: 'MaTinh', code: 'pullUnit', params: { value: '99', set: 'pre-2025' } });
    assert.strictEqual(pullUnits({ MaTinh: '' }, 'pre-2025').field, 'MaTinh', 'the province is required');
    assert.strictEqual(pullUnits({ MaTinh: '01', MaHuyen: '760' }, 'pre-2025').field, 'MaHuyen', 'a district of another province');
    assert.strictEqual(pullUnits({ MaTinh: '01', MaXa: '26734' }, 'pre-2025').field, 'MaXa', 'a commune of another province');
    assert.strictEqual(pullUnits({ MaTinh: '01', MaHuyen: '001' }, '2025').field, 'MaHuyen', 'no districts since 2025');
  });
});

describe('D22: the schedule of a pull (PullLoop), on a clock moved by hand, as shipped', function () {
  const { FakeClock } = require('./support/clock');
  const { PullLoop, PULL_EVERY_HOURS, RETRY_MAX_MS, FIRST_PULL_DELAY_MS } = require('../lib/pull/loop');
  const { SENDER_DEFAULTS } = require('../lib/engine/sender');
  const EVERY = PULL_EVERY_HOURS * HOUR;

  /** A Puller stand-in: its answers are given by the test, its runs counted. */
  function fake(clock, lastUntil) {
    const f = { runs: [], answers: [], until: lastUntil };
    f.puller = {
      lastUntil: async () => f.until,
      run: async (emit) => {
        const a = f.answers.shift() ?? { ok: true };
        const run = { from: 0, to: clock.now(), pulled: [], unchanged: 0, invalid: [], ...(a.ok ? {} : { failure: a }) };
        f.runs.push(clock.now());
        if (!run.failure) {
          await emit(run);
          f.until = clock.now();
        }
        return run;
      },
    };
    return f;
  }
  const loopOf = (clock, f, events, everyMs = EVERY) => new PullLoop({ puller: f.puller, everyMs, unreachableAfterMs: SENDER_DEFAULTS.unreachableAfterMs, clock, now: clock.now, emit: () => undefined, tell: (e) => events.push(e) });

  it('four times a day: 30 s after the first deploy, then every 6 hours counted from the last good pull; a Node-RED that was stopped catches up on start', async function () {
    const clock = new FakeClock(NOW);
    const events = [];
    const f = fake(clock);
    const loop = loopOf(clock, f, events);
    await loop.start();
    await clock.advance(FIRST_PULL_DELAY_MS - 1);
    assert.deepStrictEqual(f.runs, [], 'the database node gets time to connect');
    await clock.advance(1);
    const T0 = NOW + FIRST_PULL_DELAY_MS;
    assert.deepStrictEqual(f.runs, [T0], 'no window yet: the first pull');
    await clock.advance(EVERY - 1000);
    assert.strictEqual(f.runs.length, 1);
    await clock.advance(1000);
    assert.deepStrictEqual(f.runs, [T0, T0 + EVERY]);
    assert.strictEqual(events.filter((e) => e.kind === 'pulled').pop().nextInMs, EVERY);
    loop.close();
    await clock.advance(2 * EVERY);
    assert.strictEqual(f.runs.length, 2, 'closed: no more');

    // Started again 2 hours after the last good pull: the next one 4 hours later. Started 7 hours after: at once.
    const c2 = new FakeClock(NOW);
    const f2 = fake(c2, NOW - 2 * HOUR);
    await loopOf(c2, f2, []).start();
    await c2.advance(4 * HOUR - 1000);
    assert.deepStrictEqual(f2.runs, []);
    await c2.advance(1000);
    assert.deepStrictEqual(f2.runs, [NOW + 4 * HOUR]);
    const c3 = new FakeClock(NOW);
    const f3 = fake(c3, NOW - 7 * HOUR);
    await loopOf(c3, f3, []).start();
    await c3.advance(FIRST_PULL_DELAY_MS);
    assert.deepStrictEqual(f3.runs, [NOW + FIRST_PULL_DELAY_MS]);
  });

  it('BTXH down: tried again after about a minute, then longer, never longer than 30 minutes; "unreachable" said once after 5 minutes; back to the schedule when it answers', async function () {
    const clock = new FakeClock(NOW);
    const events = [];
    const f = fake(clock, NOW - EVERY);
    const down = { ok: false, kind: 'transient', code: 'network', message: 'connect ECONNREFUSED' };
    f.answers.push(...Array(12).fill(down));
    const loop = loopOf(clock, f, events);
    await loop.start();
    await clock.until(() => f.runs.length === 13, { stepMs: 10_000, maxMs: 8 * HOUR, what: '13 pulls' });
    const gaps = f.runs.slice(1).map((t, i) => t - f.runs[i]);
    assert.ok(gaps[0] >= 30_000 && gaps[0] <= 60_000, `first retry ${gaps[0]} ms`);
    assert.ok(gaps.slice(0, 11).every((g) => g <= RETRY_MAX_MS), String(gaps));
    assert.ok(gaps[6] > gaps[0] * 4, 'the waits grow');
    const failed = events.filter((e) => e.kind === 'failed');
    assert.strictEqual(failed.length, 12);
    assert.ok(failed.every((e) => e.since === NOW + FIRST_PULL_DELAY_MS && e.problem.code === 'sendFailed' && e.retryInMs > 0));
    const said = failed.filter((e) => e.unreachable);
    assert.strictEqual(said.length, 1, 'unreachable once per outage');
    assert.strictEqual(said[0].unreachable.code, 'unreachable');
    const at = failed.indexOf(said[0]);
    assert.ok(f.runs[at] - f.runs[0] >= SENDER_DEFAULTS.unreachableAfterMs && f.runs[at - 1] - f.runs[0] < SENDER_DEFAULTS.unreachableAfterMs, 'at the first failure past 5 minutes');
    const ok = events[events.length - 1];
    assert.deepStrictEqual([ok.kind, ok.nextInMs], ['pulled', EVERY], 'the 13th answered: the schedule again');
    loop.close();
  });

  it('a refusal (a wrong key) waits for the next scheduled pull; a pull asked while one runs joins it', async function () {
    const clock = new FakeClock(NOW);
    const events = [];
    const f = fake(clock, NOW - EVERY);
    f.answers.push({ ok: false, kind: 'rejected', status: 401, code: 'authFailed', message: 'AcceptKey không hợp lệ' });
    const loop = loopOf(clock, f, events);
    await loop.start();
    await clock.advance(FIRST_PULL_DELAY_MS + EVERY - 1000);
    assert.strictEqual(f.runs.length, 1, 'no retry before the schedule');
    const e = events.find((x) => x.kind === 'failed');
    assert.strictEqual(e.problem.code, 'rejectedByServer');
    assert.strictEqual(e.retryInMs, undefined);
    assert.strictEqual(e.scheduled, true, 'a scheduled pull: the node says it to Catch nodes itself');
    await clock.advance(1000);
    assert.strictEqual(f.runs.length, 2);
    const [a, b] = [loop.pull(), loop.pull()];
    assert.strictEqual(a, b, 'one run at a time');
    assert.strictEqual(loop.current, a);
    assert.strictEqual((await a).problem, undefined);
    f.answers.push({ ok: false, kind: 'rejected', status: 401, code: 'authFailed', message: 'AcceptKey không hợp lệ' });
    assert.strictEqual((await loop.pull()).problem.code, 'rejectedByServer', 'asked by a message: its done() says it');
    assert.strictEqual(events[events.length - 1].scheduled, false);
    loop.close();
  });
});

describe('D22: a pull under way when the node closes', function () {
  const { FakeClock } = require('./support/clock');
  const { PullLoop } = require('../lib/pull/loop');
  it('hands nothing over and moves nothing; the node waits for it before the outbox closes', async function () {
    const clock = new FakeClock(NOW);
    let release;
    const gate = new Promise((r) => (release = r));
    const said = [];
    const puller = {
      lastUntil: async () => undefined,
      run: async (emit) => {
        await gate;
        const run = { from: 0, to: NOW, pulled: [{ record: { MaHoSo: 'HS1' } }], unchanged: 0, invalid: [] };
        said.push(await emit(run));
        return run;
      },
    };
    const emitted = [];
    const loop = new PullLoop({ puller, everyMs: 0, unreachableAfterMs: 300_000, clock, now: clock.now, emit: (r) => emitted.push(r), tell: () => undefined });
    const run = loop.pull();
    loop.close();
    assert.strictEqual(loop.current, run, 'the run a closing node waits for');
    release();
    await run;
    assert.deepStrictEqual([emitted, said], [[], [false]], 'not handed over, and the Puller is told so');
  });
});

describe('btxh-pull in a real Node-RED runtime against the sandbox, as shipped', function () {
  const { start, withRuntime, helper } = require('./support/flow');
  const t = withRuntime();
  let dir;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'btxh-pull-node-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const keyed = (file) => ({ mode: 'key', queue: 'sqlite', queueFile: file });
  const CREDS = { key: 'demo-key' };
  const wait = async (cond, what) => {
    for (let i = 0; i < 300; i++) {
      if (cond()) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.fail(`no ${what}`);
  };
  function watch(f) {
    const s = { sent: [], notSent: [], done: [], caught: [] };
    for (const k of Object.keys(s)) f[k].on('input', (m) => s[k].push(m));
    return s;
  }

  it('each dossier once, under the table\'s names; a refused one on output 2; a message pulls again; a changed one again; a restart repeats nothing; msg.from hands all over again', async function () {
    const file = path.join(dir, 'outbox.sqlite');
    const now = Date.now();
    t.sandbox.register([dossier(1), dossier(2), dossier(3, { MaXa: '99999' })], now - HOUR);
    let f = await start({ type: 'btxh-pull', sandbox: t.sandbox, node: { MaTinh: '01' }, auth: keyed(file), creds: CREDS });
    let s = watch(f);
    assert.match(f.sync.status?.text ?? 'pull.ready', /pull\.ready|every 6 h/, 'the schedule as shipped');
    f.sync.receive({ payload: '' });
    await wait(() => s.sent.length === 2 && s.notSent.length === 1 && s.done.length === 1, 'first pull');
    assert.deepStrictEqual(s.sent.map((m) => [m.topic, m.btxh.change, m.btxh.operation]), [[dossier(1).MaHoSo, 'new', 'DanhSachHoSo'], [dossier(2).MaHoSo, 'new', 'DanhSachHoSo']]);
    assert.strictEqual(s.sent[0].payload.HoVaTen, dossier(1).HoVaTen);
    assert.strictEqual(s.sent[0].payload.SubmittedDate, dossier(1).SubmittedDate);
    assert.ok(!('maHoSo' in s.sent[0].payload), 'BTXH\'s spelling is read, not passed on');
    assert.ok(s.notSent[0].btxh.errors.some((e) => e.field === 'MaXa' && e.message), JSON.stringify(s.notSent[0].btxh));
    assert.strictEqual(s.notSent[0].payload.maHoSo, dossier(3).MaHoSo, 'the item as BTXH sent it');

    // A message pulls again: nothing new, acknowledged once.
    f.sync.receive({ payload: '' });
    await wait(() => s.done.length === 2, 'done');
    assert.strictEqual(s.sent.length, 2, 'nothing handed over twice');
    assert.strictEqual(s.caught.length, 0);

    // Changed at the ministry: handed over again as changed.
    t.sandbox.register([dossier(2, { HoVaTen: 'Lò Thị Mai' })], Date.now() - 1000);
    f.sync.receive({ payload: '' });
    await wait(() => s.done.length === 3, 'done');
    assert.deepStrictEqual(s.sent.slice(2).map((m) => [m.topic, m.btxh.change, m.payload.HoVaTen]), [[dossier(2).MaHoSo, 'changed', 'Lò Thị Mai']]);

    // Restart (a new deploy on the same outbox): the last pull was just now, so no pull at once; a message pulls only what is new.
    await helper.unload();
    t.sandbox.register([dossier(4)], Date.now() - 1000);
    f = await start({ type: 'btxh-pull', sandbox: t.sandbox, node: { MaTinh: '01' }, auth: keyed(file), creds: CREDS });
    s = watch(f);
    f.sync.receive({ payload: '' });
    await wait(() => s.done.length === 1, 'done');
    assert.deepStrictEqual(s.sent.map((m) => [m.topic, m.btxh.change]), [[dossier(4).MaHoSo, 'new']]);

    // The database lost its writes: pulled again from a date, every dossier of the window handed over again.
    const today = new Date(now - 2 * HOUR).toLocaleDateString('sv-SE', { timeZone: 'Asia/Ho_Chi_Minh' });
    f.sync.receive({ from: `${today} 00:00`.slice(0, 16) });
    await wait(() => s.done.length === 2, 'done');
    assert.deepStrictEqual(s.sent.slice(1).map((m) => [m.topic, m.btxh.change]).sort(),
      [[dossier(1).MaHoSo, 'again'], [dossier(2).MaHoSo, 'again'], [dossier(4).MaHoSo, 'again']].sort());
    f.sync.receive({ from: 'hôm qua' });
    await wait(() => s.caught.length === 1, 'the refusal');
    assert.match(s.caught[0].error.message, /pullFrom|hôm qua/);
    assert.strictEqual(s.done.length, 2, 'done once per message: the refused one through Catch');
  });

  it('BTXH unreachable: the message is acknowledged with the error, the status says since when, and the next pull catches the whole window up', async function () {
    const file = path.join(dir, 'outbox.sqlite');
    t.sandbox.faults({ outage: true });
    const f = await start({ type: 'btxh-pull', sandbox: t.sandbox, node: { MaTinh: '01', every: 0 }, auth: keyed(file), creds: CREDS });
    const s = watch(f);
    t.sandbox.register([dossier(5)], Date.now() - HOUR);
    f.sync.receive({ payload: '' });
    await wait(() => s.done.length + s.caught.length >= 1, 'the outcome');
    assert.strictEqual(s.caught.length, 1);
    assert.strictEqual(s.caught[0].error.problem?.code ?? s.caught[0].btxh?.errors?.[0]?.code ?? 'sendFailed', 'sendFailed');
    assert.match(s.caught[0].error.message, /BTXH|503|ECONN|network|kết nối/i);
    assert.deepStrictEqual(s.sent, []);
    t.sandbox.faults({});
    f.sync.receive({ payload: '' });
    await wait(() => s.done.length >= 1 && s.sent.length === 1, 'the catch-up');
    assert.strictEqual(s.sent[0].topic, dossier(5).MaHoSo);
  });

  it('refuses to start, in words, without a static key or with a unit code the catalogue does not know', async function () {
    let f = await start({ type: 'btxh-pull', sandbox: t.sandbox, node: { MaTinh: '01' }, auth: { queue: 'memory' } });
    let s = watch(f);
    f.sync.receive({ payload: '' });
    await wait(() => s.caught.length === 1, 'the refusal');
    assert.match(s.caught[0].error.message, /pullKey|static key \(AcceptKey\)/);
    await helper.unload();
    f = await start({ type: 'btxh-pull', sandbox: t.sandbox, node: { MaTinh: '01', MaXa: '26734' }, auth: { mode: 'key', queue: 'memory' }, creds: CREDS });
    s = watch(f);
    f.sync.receive({ payload: '' });
    await wait(() => s.caught.length === 1, 'the refusal');
    assert.match(s.caught[0].error.message, /pullUnit|MaXa: "26734" is not a unit code/);
    assert.strictEqual(t.sandbox.stats.requests.DanhSachHoSo ?? 0, 0, 'nothing asked of BTXH');
  });
});
