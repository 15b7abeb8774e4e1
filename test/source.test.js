'use strict';
// The reading loop of btxh-source (src/lib/source/reader.ts) and its read positions
// (cursor.ts, progress.ts), with the shipped page timeout and a clock moved by hand.
const assert = require('assert');
const { Reader, PAGE_TIMEOUT_MS } = require('../lib/source/reader');
const { encode, decode, positionOf, pageOf, queryParams, PARAM_ORDER } = require('../lib/source/cursor');
const { estimate } = require('../lib/source/progress');
const { MemoryStore } = require('../lib/outbox/memory');
const { FakeClock, settle } = require('./support/clock');

const COLUMNS = { time: 'NgayTiepNhan', key: 'HoSoID' };

function setup({ limit = 2 } = {}) {
  const store = new MemoryStore();
  const clock = new FakeClock();
  const asked = [];
  const told = [];
  const reader = new Reader({ store, clock, source: 's1', connection: 'c1', columns: COLUMNS, limit, ask: (p) => asked.push(p), tell: (e) => told.push(e) });
  // What a sync node does with a page: stores rows with the position, then tells the reader.
  const answer = async (rows, { accepted = rows.length, owner = 'n1', error } = {}) => {
    const req = asked[asked.length - 1];
    const end = rows.length ? positionOf(rows[rows.length - 1], COLUMNS) : undefined;
    const entries = rows.slice(0, accepted).map((r) => ({ owner, op: 'dossier', key: `dossier:${r.HoSoID}`, hash: 'h', record: r, original: r }));
    if (!error) await store.enqueue(entries, end ? { cursors: new Map([[req.name, encode(end)]]) } : {});
    reader.page({ source: 's1', seq: req.seq, owner, rows: rows.length, accepted, skipped: 0, invalid: rows.length - accepted, ...(error ? { error } : { end }) });
    await settle();
  };
  return { store, clock, asked, told, reader, answer };
}

const row = (i, t = `2024-01-0${1 + Math.floor(i / 3)} 08:00:00`) => ({ HoSoID: i, NgayTiepNhan: t });

describe('btxh-source reading loop', function () {
  it('asks for the page after the stored position only once the last one is stored, ends on a short page, then waits for delivery before its summary', async function () {
    const { store, asked, told, reader, answer, clock } = setup();
    const done = reader.start({ name: 'hoso', from: null, to: null });
    await settle();
    assert.strictEqual(asked.length, 1);
    assert.deepStrictEqual([asked[0].first, asked[0].after, asked[0].limit], [true, null, 2]);
    await answer([row(1), row(2)]);
    assert.strictEqual(asked.length, 2, 'the next page once the first is stored');
    assert.deepStrictEqual([asked[1].first, asked[1].after], [false, { time: '2024-01-01 08:00:00', key: 2 }]);
    await answer([row(3)]);
    assert.strictEqual(asked.length, 2, 'a short page ends the reading');
    // Three records wait at BTXH: no summary yet, the status says so.
    await clock.advance(1000);
    assert.ok(told.some((e) => e.kind === 'delivering' && e.waiting === 3));
    assert.ok(reader.running, 'the run lasts until its records are settled');
    await store.delivered(await store.claim('n1', 2, 60_000));
    const [last] = await store.claim('n1', 1, 60_000);
    await store.dead([last], 'rejected', [], { tried: true });
    await clock.advance(1000);
    const summary = await done;
    assert.deepStrictEqual([summary.pages, summary.read, summary.accepted, summary.delivered, summary.dead, summary.error], [2, 3, 3, 2, 1, undefined]);
    assert.deepStrictEqual(summary.position, { time: '2024-01-02 08:00:00', key: 3 });

    // The next run starts after the stored position.
    void reader.start({ name: 'hoso', from: null, to: null });
    await settle();
    assert.deepStrictEqual([asked[2].first, asked[2].after], [false, { time: '2024-01-02 08:00:00', key: 3 }]);
  });

  it('a page nobody answers ends the run after PAGE_TIMEOUT_MS with its error; the position stays', async function () {
    const { store, asked, reader, answer, clock } = setup();
    const done = reader.start({ name: 'hoso', from: null, to: null });
    await settle();
    await answer([row(1), row(2)]);
    await clock.advance(PAGE_TIMEOUT_MS - 1);
    assert.ok(reader.running, 'not before the timeout');
    await clock.advance(1);
    const summary = await done;
    assert.strictEqual(summary.error.code, 'sourceTimeout');
    assert.deepStrictEqual(summary.error.params, { page: 2, minutes: 10 });
    assert.deepStrictEqual(decode(await store.cursor('hoso')), { time: '2024-01-01 08:00:00', key: 2 });
    // A late answer to the page that timed out changes nothing.
    reader.page({ source: 's1', seq: asked[1].seq, owner: 'n1', rows: 2, accepted: 2, skipped: 0, invalid: 0 });
    await settle();
    assert.strictEqual(asked.length, 2);
  });

  it('a failed page (its commit, or the query through a Catch node) ends the run at once with the error', async function () {
    const { asked, reader, answer } = setup();
    let done = reader.start({ name: 'hoso', from: null, to: null });
    await settle();
    await answer([row(1), row(2)], { error: { field: null, code: 'queueFull', params: { count: 2, free: 0 } } });
    assert.strictEqual((await done).error.code, 'queueFull');
    done = reader.start({ name: 'hoso', from: null, to: null });
    await settle();
    reader.failed(asked[asked.length - 1].seq + 1, 'not this page');
    reader.failed(asked[asked.length - 1].seq, 'column "KhongCo" does not exist');
    const s = await done;
    assert.deepStrictEqual([s.error.code, s.error.params.detail], ['sourceQuery', 'column "KhongCo" does not exist']);
  });

  it('refuses a second run while one is under way, and ignores another source\'s pages', async function () {
    const { asked, reader } = setup();
    void reader.start({ name: 'hoso', from: null, to: null });
    await settle();
    await assert.rejects(reader.start({ name: 'hoso', from: null, to: null }), /under way/);
    reader.page({ source: 'other', seq: asked[0].seq, owner: 'n1', rows: 0, accepted: 0, skipped: 0, invalid: 0 });
    await settle();
    assert.ok(reader.running);
  });
});

describe('read positions', function () {
  it('keep a Date\'s instant and a bigint\'s digits through the store, and refuse a row without its order columns', function () {
    const d = new Date('2024-03-05T03:00:00.123Z');
    const back = decode(JSON.parse(JSON.stringify(encode({ time: d, key: 12345678901234567890n }))));
    assert.ok(back.time instanceof Date && back.time.getTime() === d.getTime());
    assert.strictEqual(back.key, 12345678901234567890n);
    assert.deepStrictEqual(positionOf({ NgayTiepNhan: null, HoSoID: 1 }, COLUMNS), { field: 'NgayTiepNhan', code: 'cursorColumn', params: { column: 'NgayTiepNhan' } });
    assert.strictEqual(positionOf({ NgayTiepNhan: '2024-01-01', HoSoID: '' }, COLUMNS).code, 'cursorColumn');
    assert.strictEqual(positionOf({ NgayTiepNhan: new Date('x'), HoSoID: 1 }, COLUMNS).code, 'cursorColumn');
  });

  it('a page request gives the same parameters by name and by position; only a source\'s page is one', function () {
    const req = { source: 's1', connection: 'c1', name: 'hoso@2024-01-01..2025-01-01', seq: 3, columns: COLUMNS, limit: 500, first: false, after: { time: 't', key: 7 }, from: '2024-01-01', to: '2025-01-01' };
    assert.deepStrictEqual(queryParams(req), { first: false, afterTime: 't', afterKey: 7, limit: 500, from: '2024-01-01', to: '2025-01-01' });
    assert.deepStrictEqual(PARAM_ORDER, ['first', 'afterTime', 'afterKey', 'limit', 'from', 'to']);
    assert.strictEqual(pageOf(req), req);
    assert.strictEqual(pageOf({ ...req, name: 'bad name; DROP' }), undefined);
    assert.strictEqual(pageOf({ ...req, seq: '3' }), undefined);
    assert.strictEqual(pageOf('hoso'), undefined);
  });

  it('progress: by rows when the total is known, else by the position in the date range; time left from the pace so far', function () {
    const t = { pages: 90, read: 45_000, accepted: 45_000, skipped: 0, invalid: 0 };
    assert.deepStrictEqual(estimate(t, 150_000, { total: 100_000 }), { percent: 45, leftMs: 183_333 });
    const at = { time: new Date('2024-07-01T00:00:00Z'), key: 1 };
    assert.strictEqual(estimate(t, 60_000, { from: '2024-01-01', to: '2025-01-01', at }).percent, 49);
    assert.deepStrictEqual(estimate(t, 60_000, {}), {});
  });
});

describe('btxh-source in a Node-RED runtime (memory outbox, sandbox)', function () {
  const { helper, modules, authNode, CREDS, withRuntime } = require('./support/flow');
  const t = withRuntime();
  const source = require('../nodes/btxh-source.js');
  const onestop = require('./support/onestop');
  const preset = require('../presets/3-one-stop-typical.json').mapping;

  /**
   * btxh-source -> a "database" (a helper answering from rows in memory) -> btxh-dossier;
   * the source's output 2, its Complete and its Catch to helpers.
   */
  async function load({ rows, sourceProps = {}, dossierAuth = 'auth' }) {
    const flow = [
      { id: 'f1', type: 'tab', label: 'test' },
      authNode(t.sandbox.url),
      { ...authNode(t.sandbox.url), id: 'auth2', name: 'second connection' },
      { id: 'src', z: 'f1', x: 100, y: 100, type: 'btxh-source', auth: 'auth', mode: 'incremental', cursor: 'hoso', timeColumn: 'NgayTiepNhan', keyColumn: 'HoSoID', pageSize: 500, wires: [['db'], ['progress']], ...sourceProps },
      { id: 'db', z: 'f1', x: 100, y: 100, type: 'helper' },
      { id: 'sync', z: 'f1', x: 100, y: 100, type: 'btxh-dossier', auth: dossierAuth, version: 2, mapping: preset.dossier, wires: [[], []] },
      { id: 'progress', z: 'f1', x: 100, y: 100, type: 'helper' },
      { id: 'complete', z: 'f1', x: 100, y: 100, type: 'complete', scope: ['src'], uncaught: false, wires: [['done']] },
      { id: 'done', z: 'f1', x: 100, y: 100, type: 'helper' },
      { id: 'catch', z: 'f1', x: 100, y: 100, type: 'catch', scope: ['src'], uncaught: false, wires: [['caught']] },
      { id: 'caught', z: 'f1', x: 100, y: 100, type: 'helper' },
    ];
    await helper.load([...Object.values(modules), source], flow, { auth: CREDS, auth2: CREDS });
    // The "database": rows after the position, keyset-ordered as the example queries read them.
    helper.getNode('db').on('input', (msg) => {
      const p = msg.payload;
      const after = (r) => p.first || r.NgayTiepNhan > p.afterTime || (r.NgayTiepNhan === p.afterTime && r.HoSoID > p.afterKey);
      const page = rows.filter((r) => after(r) && (!p.from || (r.NgayTiepNhan >= p.from && r.NgayTiepNhan < p.to))).slice(0, p.limit);
      helper.getNode('sync').receive({ ...msg, payload: page });
    });
    const seen = { progress: [], done: [], caught: [] };
    for (const k of Object.keys(seen)) helper.getNode(k).on('input', (m) => seen[k].push(m));
    return { src: helper.getNode('src'), seen };
  }
  const rows = (n) => Array.from({ length: n }, (_, k) => onestop.dossier(k + 1));
  const until = async (cond, what = () => '') => {
    for (let i = 0; !cond(); i++) {
      if (i > 600) throw new Error(`timed out ${what()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it('reads every row once in pages of 500, says so on output 2, and acknowledges the start message once, at the end', async function () {
    const { src, seen } = await load({ rows: rows(1200) });
    src.receive({ payload: Date.now() });
    src.receive({ payload: 'a tick while it runs' });
    await until(() => seen.progress.some((m) => m.topic === 'summary'), () => JSON.stringify(seen.progress.map((m) => m.payload)).slice(0, 600));
    const summary = seen.progress.find((m) => m.topic === 'summary').payload;
    assert.deepStrictEqual([summary.pages, summary.read, summary.accepted, summary.delivered, summary.dead], [3, 1200, 1200, 1200, 0]);
    assert.deepStrictEqual(seen.progress.filter((m) => m.topic === 'progress').map((m) => m.payload.read), [500, 1000, 1200]);
    await until(() => seen.done.length >= 2);
    assert.strictEqual(seen.done.length, 2, 'the tick at once, the start at the end; each once');
    assert.strictEqual(t.sandbox.records('dossier').length, 1200);
    assert.strictEqual(new Set(t.sandbox.records('dossier').map((r) => r.record.MaHoSo)).size, 1200);
  });

  it('a page wired to a sync node on another connection ends the run at once with why; the position does not move', async function () {
    const { src, seen } = await load({ rows: rows(10), dossierAuth: 'auth2' });
    src.receive({ payload: 1 });
    await until(() => seen.caught.length === 1);
    assert.match(seen.caught[0].error.message, /sourceConnection|another BTXH connection/);
    assert.strictEqual(seen.progress.find((m) => m.topic === 'summary').payload.error.code, 'sourceConnection');
    assert.strictEqual(await helper.getNode('auth').store().cursor('hoso'), undefined);
    assert.strictEqual(t.sandbox.records('dossier').length, 0);
  });

  it('refuses a bad setting with a clear message, and a bad backfill range per message; reset forgets the position', async function () {
    let { src, seen } = await load({ rows: rows(3), sourceProps: { timeColumn: '' } });
    src.receive({ payload: 1 });
    await until(() => seen.caught.length === 1);
    assert.match(seen.caught[0].error.message, /sourceColumns|both order columns/);
    await helper.unload();
    ({ src, seen } = await load({ rows: rows(3), sourceProps: { mode: 'backfill', from: '2024-01-01', to: '2025-01-01' } }));
    src.receive({ payload: 1, from: '2025-01-01', to: '2024-01-01' });
    await until(() => seen.caught.length === 1);
    assert.match(seen.caught[0].error.message, /sourceRange|needs a date range/);
    src.receive({ payload: 1 });
    await until(() => seen.progress.some((m) => m.topic === 'summary'));
    const store = helper.getNode('auth').store();
    assert.ok(await store.cursor('hoso@2024-01-01..2025-01-01'), 'a backfill keeps a position of its own');
    assert.strictEqual(await store.cursor('hoso'), undefined);
    src.receive({ topic: 'reset' });
    await until(() => seen.done.length >= 2);
    assert.strictEqual(await store.cursor('hoso@2024-01-01..2025-01-01'), undefined);
  });
});
