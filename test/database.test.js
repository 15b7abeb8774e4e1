'use strict';
// Issue 13: the database examples, each deployed in a real Node-RED with its real
// database node, against real MariaDB and PostgreSQL servers the tests start
// (.ci/run installs them from Debian's packages), seeded with synthetic dossiers,
// steps and decisions in the typical one-stop schema (test/support/onestop.js).
// Only what each example's comment says to change is changed: the database node's
// address and login, and the BTXH connection's address (this test's sandbox).
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { createSandbox } = require('../sandbox/server');
const { redProcess, request, until, sleep } = require('./support/red-process');
const { comms } = require('./support/comms');
const onestop = require('./support/onestop');
const mariadb = require('./support/mariadb');
const postgres = require('./support/postgres');

const DIR = path.join(__dirname, '..', 'examples', 'database');
const load = (file) => JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8'));
const FILE_BASE = 'https://motcua.example.gov.vn/files/';
// Vietnam time, as the one-stop database keeps it (the example's comment says so for PostgreSQL).
const ENV = { TZ: 'Asia/Ho_Chi_Minh', BTXH_FILE_BASE_URL: FILE_BASE };

/** MaHoSo -> how many times it reached the sandbox, for `op`. */
function receipts(sandbox, op) {
  const by = new Map();
  for (const r of sandbox.records(op)) by.set(r.record.MaHoSo, (by.get(r.record.MaHoSo) ?? 0) + 1);
  return by;
}

function expectOnce(sandbox, op, ids, what) {
  const got = receipts(sandbox, op);
  const missing = ids.filter((m) => !got.has(m));
  const twice = [...got].filter(([, n]) => n > 1).map(([m]) => m);
  assert.deepStrictEqual({ missing: missing.slice(0, 5), twice: twice.slice(0, 5) }, { missing: [], twice: [] }, what);
  assert.strictEqual(got.size, ids.length, `${what}: nothing else`);
}

/** The example, as its comment says to set it up; `db(flow)` points the database config node at the test server and returns its credentials. */
async function example(file, { sandbox, db, userDir, name, env = {}, modules = [] }) {
  const flow = load(file);
  const auth = flow.find((n) => n.type === 'btxh-auth');
  auth.baseUrl = sandbox.url;
  const creds = { [auth.id]: auth.credentials };
  delete auth.credentials;
  Object.assign(creds, db(flow));
  const tab = flow.find((n) => n.type === 'tab');
  flow.push(
    { id: 'readyIn', z: tab.id, type: 'http in', url: '/ready', method: 'get', x: 0, y: 0, wires: [['readyOut']] },
    { id: 'readyOut', z: tab.id, type: 'http response', statusCode: '200', x: 0, y: 0, wires: [] },
  );
  const red = await redProcess({ name, flow, creds, editor: true, env: { ...ENV, ...env }, userDir });
  // Libraries a function node loads (Setup > Modules), installed in the user directory as `npm install` would.
  if (modules.length) {
    fs.writeFileSync(path.join(red.dir, 'package.json'), JSON.stringify({ name: 'node-red-project', private: true, dependencies: Object.fromEntries(modules.map((m) => [m, '*'])) }));
    for (const m of modules) fs.symlinkSync(path.dirname(require.resolve(`${m}/package.json`)), path.join(red.dir, 'node_modules', m), 'dir');
  }
  const h = {
    red,
    flow,
    creds,
    debug: undefined,
    async start() {
      await red.start();
      h.debug = comms(red.port);
      await h.debug.opened;
      // node-red-node-mysql refuses a query until its pool is up ("Database not connected", handed to
      // the Catch node: the run ends with that error). An integrator presses the inject once the node
      // shows "connected"; so does the test — on a loaded machine its pool can take a few seconds.
      for (const n of flow.filter((x) => x.type === 'mysql')) {
        await until(() => h.status(n) === 'connected', { what: `${n.name || n.id} connected to its database (status now "${h.status(n)}")` });
      }
    },
    async fire(id, body) {
      for (let i = 0; ; i++) {
        const r = await request(red.port, 'POST', `/inject/${id}`, body);
        if (r.status === 200) return;
        assert.ok(i < 100, `inject ${id}: HTTP ${r.status}`);
        await sleep(100);
      }
    },
    node: (type, name) => flow.find((n) => n.type === type && (n.name ?? '').startsWith(name)),
    status: (node) => h.debug.statuses.get(node.id)?.text ?? '',
    statuses: (node) => (h.debug.history.get(node.id) ?? []).map((s) => s.text ?? ''),
    /** The summaries a source (by its position's name) put on its output 2, as the debug sidebar shows them. */
    summaries(name = 'hoso') {
      const progress = h.node('debug', 'tiến độ');
      return (h.debug.shown.get(progress.id) ?? []).map((m) => JSON.parse(m.msg)).filter((p) => p && p.delivered !== undefined && p.name === name);
    },
    async done(source, what) {
      await until(() => /^done ·/.test(h.status(source)) && h.status(source), { what: `${what} (status now "${h.status(source)}")`, timeoutMs: 180_000 });
    },
    async close() {
      h.debug?.close();
      await red.destroy();
    },
  };
  return h;
}

const mariaConfig = (server) => (flow) => {
  const cfg = flow.find((n) => n.type === 'MySQLdatabase');
  Object.assign(cfg, { host: server.host, port: String(server.port), db: server.database });
  return { [cfg.id]: { user: server.user, password: server.password } };
};


describe('database examples as shipped', function () {
  const preset = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'presets', '3-one-stop-typical.json'), 'utf8')).mapping;
  for (const file of fs.readdirSync(DIR).filter((f) => f.endsWith('.json'))) {
    it(`${file}: a read-me comment, the one-stop preset's mapping unedited, sources on the sync nodes' connection, no delivery setting pinned`, function () {
      const flow = load(file);
      const note = flow.find((n) => n.type === 'comment');
      assert.match(note.info, /CẦN SỬA \/ WHAT TO CHANGE/);
      const auth = flow.find((n) => n.type === 'btxh-auth');
      for (const n of flow.filter((x) => /^btxh-(dossier|progress|decision)$/.test(x.type))) {
        assert.deepStrictEqual(n.mapping, preset[n.type.slice(5)], `${n.type} maps with the preset as shipped`);
        assert.strictEqual(n.auth, auth.id);
        for (const k of ['batchSize', 'concurrency', 'leaseMs', 'budget', 'timeBudget']) assert.ok(!(k in n), `${n.type} pins no ${k}`);
      }
      for (const n of flow.filter((x) => x.type === 'btxh-source')) {
        assert.strictEqual(n.auth, auth.id);
        assert.strictEqual(n.pageSize, 500);
      }
      assert.ok(!JSON.stringify(flow).match(/"password":\s*"(?!demo")[^"]+"/), 'no password but the sandbox demo login');
    });
  }
});

const N = 6000;
const all = (n = N) => Array.from({ length: n }, (_, k) => onestop.maHoSo(k + 1));
const decided = (n = N) => Array.from({ length: n }, (_, k) => k + 1).filter((i) => i % 7 === 0).map(onestop.maHoSo);

/**
 * One suite per database: the same example shape, the same checks.
 * `backend` = {dialect, start(ctx) -> {exec, count (of 2024), rows, lock, stop}, setup(server) -> what the example's comment says to set}.
 */
/** A fresh sandbox for each test; the example a test started is closed after it (its log shown when it failed). */
function perTest() {
  const t = { sandbox: undefined, ex: undefined };
  beforeEach(async () => {
    t.sandbox = await createSandbox({ port: 0 });
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && t.ex) console.log(t.ex.red.tail(6000));
    await t.ex?.close();
    t.ex = undefined;
    await t.sandbox.close();
  });
  return t;
}

function suite(title, file, backend) {
  describe(title, function () {
    this.timeout(600_000);
    let server;
    const t = perTest();
    before(async function () {
      server = await backend.start(this);
      await onestop.seed(backend.dialect, server.exec, { to: N });
    });
    after(async () => {
      await server?.stop();
    });

    it('incremental sync: dossiers, steps and decisions each reach BTXH once, in pages; new rows are read on the next tick, nothing else', async function () {
      t.ex = await example(file, { sandbox: t.sandbox, name: `db-${backend.dialect}-inc`, ...backend.setup(server) });
      await t.ex.start();
      const dossiers = t.ex.node('btxh-source', 'hồ sơ');
      await t.ex.fire(t.ex.node('inject', 'hồ sơ mới').id);
      await t.ex.done(dossiers, 'the dossiers');
      expectOnce(t.sandbox, 'dossier', all(), 'every dossier');
      // The first summary: every row read in pages of 500, accepted and delivered.
      const [first] = t.ex.summaries();
      assert.deepStrictEqual([first.read, first.accepted, first.skipped, first.invalid, first.delivered, first.dead, first.pages],
        [N, N, 0, 0, N, 0, N / 500 + 1], JSON.stringify(first));
      const mapped = t.sandbox.records('dossier').find((r) => r.record.MaHoSo === onestop.maHoSo(7)).record;
      // The preset maps the one-stop columns without edits: dotted unit codes, EformData, Vietnam time.
      assert.deepStrictEqual([mapped.HoVaTen, mapped.MaHuyen, mapped.MaXa, mapped.GioiTinhId, mapped.SubmittedDate],
        [onestop.dossier(7).ChuHoSo, '001', '00006', '1035' /* Nữ */, '02/01/2024 08:10:00']);

      const steps = t.ex.node('btxh-source', 'bước');
      await t.ex.fire(t.ex.node('inject', 'bước').id);
      await t.ex.done(steps, 'the steps');
      const got = t.sandbox.records('progress');
      assert.strictEqual(got.length, 2 * N, 'two steps per dossier, each once');
      assert.strictEqual(new Set(got.map((r) => `${r.record.MaHoSo} ${r.record.NoiDungXuLy}`)).size, 2 * N);
      const staffed = got.find((r) => r.record.MaHoSo === onestop.maHoSo(3) && r.record.NoiDungXuLy === 'Thẩm định hồ sơ').record;
      assert.deepStrictEqual([staffed.TaiKhoanXuLy, staffed.ChucDanh], [onestop.STAFF[2].UserName, onestop.STAFF[2].PositionName], 'joined to the staff table');

      const decisions = t.ex.node('btxh-source', 'quyết định');
      await t.ex.fire(t.ex.node('inject', 'quyết định').id);
      await t.ex.done(decisions, 'the decisions');
      expectOnce(t.sandbox, 'decision', decided(), 'every decision');
      const link = t.sandbox.records('decision').find((r) => r.record.MaHoSo === onestop.maHoSo(14)).record.Url;
      assert.strictEqual(link, `${FILE_BASE}ketqua/2024/QD-14.pdf`, 'the first file of DinhKemKetQua, after BTXH_FILE_BASE_URL');

      // A tick with nothing new reads one page of nothing and sends nothing.
      await t.ex.fire(t.ex.node('inject', 'hồ sơ mới').id);
      await until(() => t.ex.summaries().length >= 2, { what: 'the second summary' });
      assert.deepStrictEqual([t.ex.summaries()[1].read, t.ex.summaries()[1].pages, t.ex.summaries()[1].delivered], [0, 1, 0]);
      // New rows, some with the same received time as the last one read: the next tick takes them, once.
      await onestop.seed(backend.dialect, server.exec, { from: N + 1, to: N + 10, create: false });
      await t.ex.fire(t.ex.node('inject', 'hồ sơ mới').id);
      await until(() => t.ex.summaries().length >= 3, { what: 'the third summary' });
      assert.strictEqual(t.ex.summaries()[2].read, 10);
      expectOnce(t.sandbox, 'dossier', all(N + 10), 'the new dossiers too');
      assert.ok(t.ex.statuses(dossiers).some((t) => /^reading: \d{1,3}(,\d{3})* read/.test(t)), 'the status showed the reading');
    });

    /**
     * Reads until a few pages are in, locks the table so that the next page waits, and kills
     * Node-RED (SIGKILL) then; BTXH is down meanwhile, so reading goes on into the outbox and no
     * request is cut by the kill. After a restart the same inject finishes the run. Returns what
     * the status said at the kill and the summary after the restart.
     */
    async function killMidRun({ inject, source, position, reading }) {
      t.sandbox.faults({ outage: true });
      await t.ex.fire(t.ex.node('inject', inject).id);
      const read = (t) => Number((reading.exec(t)?.[1] ?? '0').replace(/,/g, ''));
      await until(() => t.ex.statuses(source).some((t) => read(t) > 0), { what: 'a first page', everyMs: 10 });
      const unlock = await server.lock();
      await sleep(1500);
      const shown = t.ex.statuses(source);
      const last = shown[shown.length - 1];
      assert.match(last, reading);
      assert.strictEqual(t.sandbox.records('dossier').length, 0, 'BTXH was down');
      await t.ex.red.kill('SIGKILL');
      await unlock();
      t.sandbox.faults({});
      await t.ex.start();
      await t.ex.fire(t.ex.node('inject', inject).id);
      await t.ex.done(source, 'the run after the restart');
      const [summary] = t.ex.summaries(position);
      return { shown, last, read: read(last), summary };
    }

    it('a backfill shows "N / total (p %) · ~time left", holds one page at a time, and a SIGKILL in the middle loses and repeats nothing', async function () {
      t.ex = await example(file, { sandbox: t.sandbox, name: `db-${backend.dialect}-back`, ...backend.setup(server) });
      await t.ex.start();
      const source = t.ex.node('btxh-source', 'đồng bộ lùi');
      const inRange = await server.count();
      const { shown, last, read, summary } = await killMidRun({ inject: 'đồng bộ lùi', source, position: 'hoso@2024-01-01..2025-01-01', reading: /^backfill ([\d,]+) \/ [\d,]+/ });
      const m = /^backfill ([\d,]+) \/ ([\d,]+) \((\d+) %\)( · ~\d+ (s|min) left)?/.exec(last);
      assert.ok(m, `status: ${last}`);
      const total = Number(m[2].replace(/,/g, ''));
      assert.ok(read > 0 && read < total, `killed in the middle: ${last}`);
      assert.strictEqual(total, inRange, 'the count query gave the total');
      assert.ok(shown.some((t) => /· ~\d+ (s|min) left/.test(t)), `a time left was shown: ${shown.join(' | ')}`);
      expectOnce(t.sandbox, 'dossier', all(inRange), 'every dossier of 2024, once, across the kill');
      assert.strictEqual(summary.read, inRange - read, 'the second run read on from the committed position, nothing twice');
      assert.deepStrictEqual([summary.invalid, summary.dead], [0, 0]);
    });

    it('a SIGKILL in the middle of an incremental sync loses and repeats nothing', async function () {
      t.ex = await example(file, { sandbox: t.sandbox, name: `db-${backend.dialect}-inckill`, ...backend.setup(server) });
      await t.ex.start();
      const rows = await server.rows();
      const { read, summary } = await killMidRun({ inject: 'hồ sơ mới', source: t.ex.node('btxh-source', 'hồ sơ'), position: 'hoso', reading: /^reading: ([\d,]+) read/ });
      assert.ok(read > 0 && read < rows, `killed in the middle (${read} of ${rows})`);
      expectOnce(t.sandbox, 'dossier', all(rows), 'every dossier, once, across the kill');
      assert.strictEqual(summary.read, rows - read);
    });

    it('a failed query stops the run with its error through the Catch node; the position stays and the next run reads the page again', async function () {
      t.ex = await example(file, { sandbox: t.sandbox, name: `db-${backend.dialect}-fail`, ...backend.setup(server) });
      // The query names a column the table does not have.
      const tpl = t.ex.flow.find((n) => n.type === 'template' && n.name.startsWith('truy vấn bước'));
      const good = tpl.template;
      tpl.template = good.replace('q.ThaoTac', 'q.KhongCo').replace('q."ThaoTac"', 'q."KhongCo"');
      fs.writeFileSync(path.join(t.ex.red.dir, 'flows.json'), JSON.stringify(t.ex.flow));
      await t.ex.start();
      const steps = t.ex.node('btxh-source', 'bước');
      await t.ex.fire(t.ex.node('inject', 'bước').id);
      await until(() => /^stopped: The database failed on page 1: .*KhongCo/i.test(t.ex.status(steps)), { what: `the error on the status (${t.ex.status(steps)})` });
      const [summary] = t.ex.summaries('buoc');
      assert.strictEqual(summary.error.code, 'sourceQuery');
      assert.strictEqual(t.sandbox.records('progress').length, 0);
      // The query mended and deployed: the next run starts from the first page again.
      tpl.template = good;
      await t.ex.red.deploy(t.ex.flow, t.ex.creds);
      await t.ex.fire(t.ex.node('inject', 'bước').id);
      await t.ex.done(steps, 'the steps with the mended query');
      assert.strictEqual(t.sandbox.records('progress').length, 2 * (await server.rows()), 'two steps per dossier, each once');
    });
  });
}

suite('database example: MariaDB with node-red-node-mysql', 'mariadb-mysql.json', {
  dialect: 'mysql',
  async start(ctx) {
    const s = await mariadb.startOrSkip(ctx);
    const c = await s.connect();
    let locker;
    return {
      ...s,
      exec: (sql, values) => c.query(sql.replace(/"/g, '`'), values),
      count: async () => Number((await c.query("SELECT COUNT(*) AS n FROM HoSo WHERE NgayTiepNhan >= '2024-01-01' AND NgayTiepNhan < '2025-01-01'"))[0][0].n),
      rows: async () => Number((await c.query('SELECT COUNT(*) AS n FROM HoSo'))[0][0].n),
      async lock() {
        locker = await s.connect();
        await locker.query('LOCK TABLES HoSo WRITE');
        return async () => {
          await locker.query('UNLOCK TABLES');
          await locker.end();
        };
      },
      async stop() {
        await c.end().catch(() => undefined);
        await s.stop();
      },
    };
  },
  setup: (server) => ({ db: mariaConfig(server) }),
});

describe('database example: pull-mariadb.json — dossiers registered on BTXH, pulled back into MariaDB (D22)', function () {
  this.timeout(300_000);
  const HOUR = 3_600_000;
  const ministry = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'data', 'samples', 'ministry.json'), 'utf8'));
  let server;
  let c;
  const t = perTest();
  before(async function () {
    server = await mariadb.startOrSkip(this);
    c = await server.connect();
    // The table as the example's comment says to create it.
    const ddl = /CREATE TABLE[\s\S]*?;/.exec(load('pull-mariadb.json').find((n) => n.type === 'comment').info)[0];
    await c.query(ddl);
  });
  after(async () => {
    await c?.end().catch(() => undefined);
    await server?.stop();
  });
  const rows = async () => (await c.query('SELECT MaHoSo, HoVaTen, ThayDoi, DuLieu, MaXa, SubmittedDate FROM BTXH_HoSoKeoVe ORDER BY MaHoSo'))[0];

  it('each dossier becomes one row; a changed one updates its row; a restart repeats nothing; msg.from writes them all again', async function () {
    t.sandbox.register(ministry, Date.now() - HOUR);
    t.ex = await example('pull-mariadb.json', { sandbox: t.sandbox, name: 'db-pull', db: mariaConfig(server) });
    await t.ex.start();
    const pull = t.ex.node('btxh-pull', '');
    await t.ex.fire(t.ex.node('inject', 'kéo ngay').id);
    await until(async () => (await rows()).length === ministry.length, { what: 'a row per dossier' });
    let got = await rows();
    assert.deepStrictEqual(got.map((r) => [r.MaHoSo, r.HoVaTen, r.ThayDoi, r.MaXa]), ministry.map((d) => [d.MaHoSo, d.HoVaTen, 'new', d.MaXa]));
    assert.strictEqual(JSON.parse(got[0].DuLieu).SubmittedDate, ministry[0].SubmittedDate, 'the whole dossier, under the table\'s names');
    await until(() => /^pulled at/.test(t.ex.status(pull)), { what: `the pull's status (now "${t.ex.status(pull)}")` });
    assert.match(t.ex.status(pull), /new 3 · changed 0 · unchanged 0 · next /);

    // Changed at the ministry: its row is updated, no second row.
    t.sandbox.register([{ ...ministry[1], HoVaTen: 'Đỗ Văn Khải (đã sửa)' }], Date.now() - 1000);
    await t.ex.fire(t.ex.node('inject', 'kéo ngay').id);
    await until(async () => (await rows()).some((r) => r.ThayDoi === 'changed'), { what: 'the changed row' });
    got = await rows();
    assert.strictEqual(got.length, ministry.length);
    assert.deepStrictEqual(got.filter((r) => r.ThayDoi === 'changed').map((r) => [r.MaHoSo, r.HoVaTen]), [[ministry[1].MaHoSo, 'Đỗ Văn Khải (đã sửa)']]);

    // A restart (SIGKILL) on the same outbox: the next pull hands nothing over again.
    await c.query("UPDATE BTXH_HoSoKeoVe SET ThayDoi = 'seen'");
    await t.ex.red.kill('SIGKILL');
    await t.ex.start();
    const before = t.sandbox.stats.requests.DanhSachHoSo ?? 0;
    await t.ex.fire(t.ex.node('inject', 'kéo ngay').id);
    await until(() => (t.sandbox.stats.requests.DanhSachHoSo ?? 0) > before && /^pulled at/.test(t.ex.status(pull)), { what: 'the pull after the restart' });
    await sleep(500);
    assert.deepStrictEqual((await rows()).map((r) => r.ThayDoi), ['seen', 'seen', 'seen'], 'nothing written again');

    // The database lost its rows: pulled again from yesterday, every dossier written again.
    await c.query('DELETE FROM BTXH_HoSoKeoVe');
    const yesterday = new Date(Date.now() - 24 * HOUR).toLocaleDateString('sv-SE', { timeZone: 'Asia/Ho_Chi_Minh' });
    // As the inject's dialog would have it with a property "from" added (the editor's "inject now" sends its props).
    await t.ex.fire(t.ex.node('inject', 'kéo ngay').id, { __user_inject_props__: [{ p: 'payload', v: '', vt: 'date' }, { p: 'from', v: yesterday, vt: 'str' }] });
    await until(async () => (await rows()).length === ministry.length, { what: 'every row again' });
    assert.deepStrictEqual((await rows()).map((r) => r.ThayDoi), ['again', 'again', 'again']);
  });
});

suite('database example: PostgreSQL with a function node and pg', 'postgresql.json', {
  dialect: 'postgres',
  async start(ctx) {
    const s = await postgres.startOrSkip(ctx);
    const url = await postgres.database(s);
    const { Client } = require('pg');
    const c = new Client({ connectionString: url });
    await c.connect();
    return {
      url,
      exec: (sql, values) => c.query(sql, values),
      count: async () => Number((await c.query(`SELECT count(*) AS n FROM "HoSo" WHERE "NgayTiepNhan" >= '2024-01-01' AND "NgayTiepNhan" < '2025-01-01'`)).rows[0].n),
      rows: async () => Number((await c.query('SELECT count(*) AS n FROM "HoSo"')).rows[0].n),
      async lock() {
        const l = new Client({ connectionString: url });
        await l.connect();
        await l.query('BEGIN');
        await l.query('LOCK TABLE "HoSo" IN ACCESS EXCLUSIVE MODE');
        return async () => {
          await l.query('COMMIT');
          await l.end();
        };
      },
      async stop() {
        await c.end().catch(() => undefined);
        s.stop();
      },
    };
  },
  // The example's function nodes read the address from MOTCUA_PG_URL and load pg (its comment says so).
  setup: (server) => ({ db: () => ({}), env: { MOTCUA_PG_URL: server.url }, modules: ['pg'] }),
});

describe('file and SQL Server examples, with their real nodes', function () {
  this.timeout(180_000);
  const t = perTest();
  const dir = fs.mkdtempSync(path.join(require('os').tmpdir(), 'btxh-export-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const rows = (n) => Array.from({ length: n }, (_, k) => onestop.dossier(k + 1));
  /** The file in node's path: what the comment says to change. */
  const fileAt = (file) => (flow) => {
    flow.find((n) => n.type === 'file in').filename = file;
    return {};
  };

  it('CSV: file in + csv feed the whole export as one message; every dossier reaches BTXH once, the same file again sends nothing', async () => {
    const file = path.join(dir, 'hoso.csv');
    const cols = onestop.DOSSIER_COLUMNS;
    const cell = (v) => (v === null ? '' : /[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
    const list = rows(2500);
    fs.writeFileSync(file, [cols.join(','), ...list.map((r) => cols.map((c) => cell(r[c])).join(','))].join('\r\n') + '\r\n');
    t.ex = await example('csv-file.json', { sandbox: t.sandbox, name: 'db-csv', db: fileAt(file) });
    await t.ex.start();
    const read = t.ex.node('inject', 'đọc file');
    await t.ex.fire(read.id);
    await until(() => t.sandbox.records('dossier').length >= list.length, { what: 'the export at BTXH' });
    expectOnce(t.sandbox, 'dossier', all(list.length), 'every row of the CSV');
    const sync = t.ex.flow.find((n) => n.type === 'btxh-dossier');
    await t.ex.fire(read.id);
    await until(() => /unchanged 2,?500/.test(t.ex.status(sync)), { what: `the second read skipped (${t.ex.status(sync)})` });
    assert.strictEqual(t.sandbox.records('dossier').length, list.length, 'nothing sent twice');
  });

  it('Excel: file in + node-red-contrib-spreadsheet-in (book, sheet, sheet to json) feed the sheet "HoSo"; every dossier reaches BTXH once', async () => {
    const XLSX = require('xlsx');
    const file = path.join(dir, 'hoso.xlsx');
    const list = rows(300);
    const book = XLSX.utils.book_new();
    XLSX.utils.book_append_sheet(book, XLSX.utils.json_to_sheet(list.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === null ? '' : String(v)])))), 'HoSo');
    XLSX.writeFile(book, file);
    t.ex = await example('excel-file.json', { sandbox: t.sandbox, name: 'db-xlsx', db: fileAt(file) });
    await t.ex.start();
    await t.ex.fire(t.ex.node('inject', 'đọc file').id);
    await until(() => t.sandbox.records('dossier').length >= list.length, { what: 'the sheet at BTXH' });
    expectOnce(t.sandbox, 'dossier', all(list.length), 'every row of the sheet');
  });

  it('SQL Server: the example loads and deploys with node-red-contrib-mssql-plus; with no server here, the failed query reaches btxh-source through the Catch node', async () => {
    t.ex = await example('sqlserver.json', { sandbox: t.sandbox, name: 'db-mssql', db: () => ({}) });
    await t.ex.start();
    assert.doesNotMatch(t.ex.red.tail(20_000), /Waiting for missing types|missing types/, 'every node type of the example is installed');
    const source = t.ex.node('btxh-source', 'hồ sơ');
    await t.ex.fire(t.ex.node('inject', 'hồ sơ mới').id);
    await until(() => /^stopped: The database failed on page 1/.test(t.ex.status(source)), { what: `the query's failure on the status (${t.ex.status(source)})` });
    assert.strictEqual(t.sandbox.records('dossier').length, 0);
  });
});
