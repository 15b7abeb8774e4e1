'use strict';
// The SQLite outbox against the Store contract (src/lib/outbox/store.ts), on real
// files in a temp dir. A movable clock expires leases and backoff without sleeping.
const assert = require('assert');
const { contract } = require('./support/store-contract');
const fs = require('fs');
const os = require('os');
const path = require('path');
const Database = require('better-sqlite3');
const { SqliteStore } = require('../lib/outbox/sqlite');

/** An entry as a claim returns it: without its original (Store.claim). */
const claimed = ({ original: _, ...e }) => e;

function entry(i, over = {}) {
  return {
    owner: 'n1',
    op: 'dossier',
    key: `dossier:HS${i}`,
    hash: `h${i}`,
    record: { MaHoSo: `HS${i}`, HoTen: 'Nguyễn Thị Hoa' },
    original: { maHoSo: `HS${i}` },
    meta: { _msgid: `m${i}` },
    ...over,
  };
}

// The schema of version 1 (before dead letters recorded when they died), kept to test the migration.
const V1_SCHEMA = `
CREATE TABLE entries (
  id          INTEGER PRIMARY KEY,
  owner       TEXT    NOT NULL,
  op          TEXT    NOT NULL,
  key         TEXT    NOT NULL,
  hash        TEXT    NOT NULL,
  record      TEXT    NOT NULL,
  original    TEXT,
  meta        TEXT,
  state       TEXT    NOT NULL,
  attempts    INTEGER NOT NULL DEFAULT 0,
  created_at  INTEGER NOT NULL,
  not_before  INTEGER NOT NULL,
  lease_until INTEGER,
  last_error  TEXT,
  reason      TEXT
);
CREATE INDEX entries_claim ON entries (owner, state, not_before);
CREATE INDEX entries_key ON entries (key, state);
CREATE TABLE delivered (
  key   TEXT PRIMARY KEY,
  hash  TEXT NOT NULL,
  owner TEXT NOT NULL,
  at    INTEGER NOT NULL
);
CREATE INDEX delivered_owner ON delivered (owner);
`;

describe('SqliteStore', function () {
  let dir;
  let open = [];
  let t;
  const clock = () => t;
  function store(opts = {}) {
    const s = new SqliteStore({ file: path.join(dir, 'outbox.sqlite'), now: clock, ...opts });
    open.push(s);
    return s;
  }

  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'btxh-sqlite-'));
    t = 1_700_000_000_000;
  });
  afterEach(async function () {
    for (const s of open) await s.close();
    open = [];
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A store in its own directory, and entries that all carry one person's name and id (to look for in the files). */
  function person(sub, NAME, ID) {
    const file = path.join(dir, sub, 'outbox.sqlite');
    const s = new SqliteStore({ file, now: clock });
    open.push(s);
    const rec = (i) => entry(i, { record: { MaHoSo: `HS${i}`, HoTen: NAME, CMND: ID }, original: { hoTen: NAME, cmnd: ID } });
    return { file, s, rec };
  }

  it('personal data at rest while the store stays open: the WAL keeps its size while work remains, and is cut to nothing once all is delivered and reported', async function () {
    const NAME = 'Lò Thị Mỷduynhất Bảnpục';
    const ID = '011186054321';
    const { file, s, rec } = person('open', NAME, ID);
    await s.enqueue(Array.from({ length: 300 }, (_, i) => rec(i)));
    const first = await s.claim('n1', 200, 60_000);
    await s.delivered(first);
    await s.reported(first);
    // 100 still waiting: the WAL is not cut (its pages hold them too).
    assert.ok(fs.statSync(`${file}-wal`).size > 0, 'work remains: the WAL is kept');
    const rest = await s.claim('n1', 200, 60_000);
    await s.delivered(rest);
    await s.reported(rest);
    assert.strictEqual(fs.statSync(`${file}-wal`).size, 0, 'nothing left to send or report: the WAL is cut to nothing');
    const bytes = Buffer.concat([file, `${file}-wal`].map((f) => fs.readFileSync(f)));
    assert.strictEqual(bytes.includes(Buffer.from(ID)), false, 'the id is in neither the file nor the WAL');
    assert.strictEqual(bytes.includes(Buffer.from(NAME)), false, 'nor the name');
    // And the store goes on working on the cut WAL.
    assert.strictEqual((await s.enqueue([rec(1000)])).accepted.length, 1);
  });

  it('personal data at rest: files 0600, a created directory 0700, and a delivered record\'s name and id gone from the file and its WAL', async function () {
    const NAME = 'Hoàng Thị Bíchngọc Duynhất';
    const ID = '079188012345';
    const { file, s, rec } = person('private', NAME, ID);
    await s.enqueue(Array.from({ length: 200 }, (_, i) => rec(i)));
    for (const f of [file, `${file}-wal`, `${file}-shm`]) {
      if (fs.existsSync(f)) assert.strictEqual(fs.statSync(f).mode & 0o777, 0o600, `${path.basename(f)} is 0600`);
    }
    assert.strictEqual(fs.statSync(path.dirname(file)).mode & 0o777, 0o700);
    const held = await s.claim('n1', 500, 60_000);
    await s.delivered(held);
    await s.reported(held);
    await s.close();
    open = open.filter((x) => x !== s);
    const bytes = Buffer.concat([file, `${file}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f)));
    assert.strictEqual(bytes.includes(Buffer.from(ID)), false, 'the id does not linger in free pages or the WAL');
    assert.strictEqual(bytes.includes(Buffer.from(NAME)), false, 'nor the name');
    // A file an older version left world-readable is narrowed on open.
    fs.chmodSync(file, 0o644);
    open.push(new SqliteStore({ file, now: clock }));
    assert.strictEqual(fs.statSync(file).mode & 0o777, 0o600);
  });

  it('a damaged WAL is found when the outbox opens (SQLite would drop what follows the bad frame without a word); a torn last frame is not damage', async function () {
    const file = path.join(dir, 'outbox.sqlite');
    const s = new SqliteStore({ file, now: clock });
    open.push(s);
    for (let i = 0; i < 40; i++) await s.enqueue([entry(i)]); // 40 commits in the WAL
    const copy = (name) => {
      const f = path.join(dir, name);
      fs.copyFileSync(file, f);
      fs.copyFileSync(`${file}-wal`, `${f}-wal`);
      return f;
    };
    const intact = copy('intact.sqlite');
    const damaged = copy('damaged.sqlite');
    const torn = copy('torn.sqlite');
    const threaded = copy('threaded.sqlite');
    const wal = fs.readFileSync(`${damaged}-wal`);
    const pageSize = wal.readUInt32BE(8);
    const frame = (n) => 32 + n * (24 + pageSize);
    wal[frame(10) + 24 + 100] ^= 0xff; // one byte of the 11th frame's page
    fs.writeFileSync(`${damaged}-wal`, wal);
    fs.writeFileSync(`${threaded}-wal`, wal);
    const tw = fs.readFileSync(`${torn}-wal`);
    fs.writeFileSync(`${torn}-wal`, tw.subarray(0, tw.length - 100)); // the last frame cut short

    const a = new SqliteStore({ file: intact, now: clock });
    const b = new SqliteStore({ file: damaged, now: clock });
    const c = new SqliteStore({ file: torn, now: clock });
    open.push(a, b, c);
    assert.strictEqual(a.damage, undefined);
    assert.strictEqual((await a.counts('n1')).waiting, 40);
    assert.strictEqual(c.damage, undefined, 'a torn last frame is an interrupted commit, not damage');
    assert.ok(b.damage, 'the damage is reported');
    assert.strictEqual(b.damage.code, 'outboxDamaged');
    assert.match(b.damage.params.detail, /committed transaction/);
    assert.ok((await b.counts('n1')).waiting < 40, 'and it did cost records: why it must not be silent');
    // The store as createStore makes it, on its own thread, finds it as it is made.
    const { ThreadStore } = require('../lib/outbox/thread');
    const d = new ThreadStore({ file: threaded, now: clock });
    open.push(d);
    assert.strictEqual(d.damage && d.damage.code, 'outboxDamaged');
    assert.strictEqual((await d.counts('n1')).waiting, (await b.counts('n1')).waiting);
  });

  it('creates the directory, WAL journal and schema version 11', async function () {
    const file = path.join(dir, 'deep', 'er', 'outbox.sqlite');
    const s = new SqliteStore({ file });
    open.push(s);
    const raw = new Database(file, { readonly: true });
    try {
      assert.strictEqual(raw.pragma('journal_mode', { simple: true }), 'wal');
      assert.strictEqual(raw.pragma('user_version', { simple: true }), 11);
      const cols = raw.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('entries');
      assert.ok(cols.includes('dead_at') && cols.includes('lease_token'));
      const tables = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
      assert.deepStrictEqual(tables, ['counters', 'cursors', 'delivered', 'entries', 'journal']);
    } finally {
      raw.close();
    }
  });

  it('sets synchronous FULL by default and NORMAL when asked', async function () {
    const full = store();
    assert.strictEqual(full.db.pragma('synchronous', { simple: true }), 2);
    const normal = store({ synchronous: 'NORMAL' });
    assert.strictEqual(normal.db.pragma('synchronous', { simple: true }), 1);
    // Both modes store and hand back entries.
    await full.enqueue([entry(1)]);
    await normal.enqueue([entry(2)]);
    assert.strictEqual((await full.claim('n1', 10, 60_000)).length, 2);
    assert.throws(() => store({ synchronous: 'OFF' }), /FULL or NORMAL/);
  });

  contract(() => ({ store: store(), advance: (ms) => (t += ms) }));

  it('recover at start: what a dead run left in flight, waiting in backoff or delivered unreported is due at once', async function () {
    const s = store();
    await s.enqueue([entry(1), entry(2), entry(3), entry(4, { owner: 'n2' })]);
    const [a, b, c] = await s.claim('n1', 3, 60_000);
    await s.retry([b], [], 3600_000); // a wait counted on the dead run's clock
    await s.delivered([c]);
    await s.claim('n2', 1, 60_000);
    await s.close();
    const r = store();
    assert.strictEqual(await r.recover('n1'), 1);
    const due = await r.claim('n1', 10, 60_000);
    assert.deepStrictEqual(due.map((e) => e.id), [a.id, b.id], 'in flight and backing off: both due now');
    assert.deepStrictEqual((await r.unreported('n1', 10, 60_000)).map((e) => e.id), [c.id], 'its output is reported again');
    assert.strictEqual((await r.counts('n2')).inflight, 1, 'only the starting owner is recovered');
    assert.deepStrictEqual(await r.delivered([a]), [], 'the dead run\'s token is worthless now');
  });

  it('keeps entries across closing and reopening the file, leases included', async function () {
    const s = store();
    await s.enqueue([entry(1), entry(2)]);
    const [e1] = await s.claim('n1', 1, 60_000);
    await s.close();
    await assert.rejects(s.enqueue([entry(3)]), 'a closed store rejects');

    const r = store();
    assert.deepStrictEqual(await r.counts('n1'), { waiting: 1, inflight: 1, dead: 0, delivered: 0, skipped: 0, oldestMs: 0 });
    const [e2] = await r.claim('n1', 10, 60_000);
    assert.deepStrictEqual(e2, { ...claimed(entry(2)), id: e2.id, state: 'inflight', attempts: 0, createdAt: t, notBefore: t, lease: e2.lease });
    assert.deepStrictEqual((await r.originals([e2.id])).get(e2.id), entry(2).original);
    t += 60_001;
    assert.strictEqual((await r.claim('n1', 10, 60_000))[0].id, e1.id);
  });

  it('keeps a read position across closing and reopening the file; a failed enqueue moves none', async function () {
    const s = store();
    await s.enqueue([entry(1)], { cursors: new Map([['hoso', { time: { date: '2024-01-02T03:04:05.000Z' }, key: 41 }]]) });
    await assert.rejects(s.enqueue([entry(2), { ...entry(3), record: undefined }], { cursors: new Map([['hoso', { key: 99 }]]) }));
    await s.close();
    const r = store();
    assert.deepStrictEqual(await r.cursor('hoso'), { time: { date: '2024-01-02T03:04:05.000Z' }, key: 41 });
    assert.strictEqual((await r.counts('n1')).waiting, 1, 'the failed enqueue wrote nothing');
  });

  it('a claim walks only waiting (or stuck) entries, in acceptance order on entries_oldest: never the table, never a sort', async function () {
    const { entry } = require('./support/store-contract');
    const s = store();
    await s.enqueue([entry(1)]);
    await s.claim('n1', 10, 60_000);
    const claims = [...s.stmts.keys()].filter((sql) => /^SELECT/.test(sql) && /lease_until/.test(sql) && /ORDER BY/.test(sql) && !/'delivered'/.test(sql));
    assert.strictEqual(claims.length, 2, 'waiting, and stuck in flight');
    for (const sql of claims) {
      const plan = s.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all({ owner: 'n1', now: t, limit: 50 }).map((r) => r.detail);
      assert.match(plan[0], /^SEARCH e USING INDEX entries_oldest \(owner=\? AND state=\?\)/, plan.join(' | '));
      assert.ok(!plan.some((d) => /TEMP B-TREE|^SCAN/.test(d)), plan.join(' | '));
    }
  });

  it('two connections to one file never claim the same entry', async function () {
    const a = store();
    const b = store();
    await a.enqueue(Array.from({ length: 60 }, (_, i) => entry(i)));
    const seen = [];
    for (;;) {
      const got = [...(await a.claim('n1', 7, 60_000)), ...(await b.claim('n1', 5, 60_000))];
      if (!got.length) break;
      seen.push(...got.map((e) => e.id));
    }
    assert.strictEqual(seen.length, 60);
    assert.strictEqual(new Set(seen).size, 60);
  });

  it('a full disk rejects the whole enqueue and nothing is accepted (SQLITE_FULL)', async function () {
    const s = store({ pragmas: ['max_page_count = 12'] });
    await s.enqueue([entry(0)]);
    const big = Array.from({ length: 50 }, (_, i) => entry(i + 1, { record: { MaHoSo: `HS${i}`, pad: 'x'.repeat(4000) } }));
    const err = await s.enqueue(big).then(() => null, (e) => e);
    assert.ok(err, 'enqueue must reject');
    assert.strictEqual(err.code, 'SQLITE_FULL');
    assert.deepStrictEqual(err.problem.code, 'outboxFull');
    assert.strictEqual(err.problem.params.store, 'sqlite');
    assert.strictEqual((await s.counts('n1')).waiting, 1, 'none of the failed batch is stored');
  });

  it('a read-only database rejects writes (SQLITE_READONLY) and keeps what it had', async function () {
    const w = store();
    await w.enqueue([entry(1)]);
    await w.close();
    const s = store({ pragmas: ['query_only = ON'] });
    const err = await s.enqueue([entry(2)]).then(() => null, (e) => e);
    assert.ok(err, 'enqueue must reject');
    assert.match(err.code, /^SQLITE_READONLY/);
    assert.strictEqual(err.problem.code, 'outboxReadOnly');
    await assert.rejects(s.claim('n1', 10, 1000), (e) => /^SQLITE_READONLY/.test(e.code));
    assert.strictEqual((await s.counts('n1')).waiting, 1);
  });

  it('a file that cannot be opened fails at construction (SQLITE_CANTOPEN / ENOTDIR / EISDIR)', function () {
    const blocker = path.join(dir, 'not-a-dir');
    fs.writeFileSync(blocker, '');
    assert.throws(() => new SqliteStore({ file: path.join(blocker, 'outbox.sqlite') }),
      (e) => e.problem && e.problem.code === 'outboxUnavailable');
    fs.mkdirSync(path.join(dir, 'a-dir.sqlite'));
    assert.throws(() => new SqliteStore({ file: path.join(dir, 'a-dir.sqlite') }),
      (e) => ['SQLITE_CANTOPEN', 'EISDIR'].includes(e.code) && e.problem.code === 'outboxUnavailable');
  });

  it('migrates a version 1 file to version 3 on open and keeps its entries', async function () {
    const file = path.join(dir, 'outbox.sqlite');
    const raw = new Database(file);
    raw.pragma('journal_mode = WAL');
    raw.exec(V1_SCHEMA);
    const row = raw.prepare(`INSERT INTO entries (owner, op, key, hash, record, original, meta, state, attempts, created_at, not_before, lease_until, last_error, reason)
      VALUES (@owner, @op, @key, @hash, @record, @original, @meta, @state, @attempts, @t, @t, NULL, @err, @reason)`);
    row.run({ ...entry(1), record: JSON.stringify(entry(1).record), original: JSON.stringify(entry(1).original), meta: JSON.stringify(entry(1).meta),
      state: 'waiting', attempts: 0, t: t - 1000, err: null, reason: null });
    row.run({ ...entry(2), record: JSON.stringify(entry(2).record), original: JSON.stringify(entry(2).original), meta: JSON.stringify(entry(2).meta),
      state: 'dead', attempts: 3, t: t - 2000, err: JSON.stringify([{ field: null, code: 'undeliverable' }]), reason: 'undeliverable' });
    raw.prepare('INSERT INTO delivered (key, hash, owner, at) VALUES (?, ?, ?, ?)').run('dossier:HS9', 'h9', 'n1', t - 3000);
    raw.pragma('user_version = 1');
    raw.close();

    const s = store();
    const check = new Database(file, { readonly: true });
    try {
      assert.strictEqual(check.pragma('user_version', { simple: true }), 11);
      const cols = check.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('entries');
      assert.ok(cols.includes('dead_at') && cols.includes('lease_token'));
      const indexes = check.prepare("SELECT name FROM sqlite_master WHERE type = 'index'").pluck().all();
      assert.ok(indexes.includes('delivered_at') && indexes.includes('entries_oldest'), `the later steps' indexes too (${indexes})`);
    } finally {
      check.close();
    }
    assert.deepStrictEqual(await s.counts('n1'), { waiting: 1, inflight: 0, dead: 1, delivered: 1, skipped: 0, oldestMs: 1000 });
    const [old] = await s.deadLetters('n1');
    assert.deepStrictEqual([old.key, old.reason, old.attempts, old.createdAt, old.deadAt], ['dossier:HS2', 'undeliverable', 3, t - 2000, undefined],
      'a letter that died before the migration has no deadAt');
    assert.deepStrictEqual((await s.enqueue([entry(9)])).skipped.map((x) => x.key), ['dossier:HS9'], 'delivered keys are still remembered');
    const [e] = await s.claim('n1', 10, 60_000);
    assert.deepStrictEqual(e, { ...claimed(entry(1)), id: e.id, state: 'inflight', attempts: 0, createdAt: t - 1000, notBefore: t - 1000, lease: e.lease });
    assert.deepStrictEqual((await s.originals([e.id])).get(e.id), entry(1).original);
    t += 500;
    await s.dead([e], 'rejected', []);
    assert.deepStrictEqual((await s.deadLetters('n1')).map((x) => [x.key, x.deadAt]), [['dossier:HS1', t], ['dossier:HS2', undefined]]);
    assert.strictEqual(await s.replay('n1'), 2);
    await s.close();
    // Opening again finds version 3 and changes nothing.
    const again = store();
    assert.strictEqual((await again.counts('n1')).waiting, 2);
  });

  it('migrates a version 2 file to version 3: delivered keys become the delivered count, entries in flight come back', async function () {
    const file = path.join(dir, 'outbox.sqlite');
    const raw = new Database(file);
    raw.pragma('journal_mode = WAL');
    raw.exec(V1_SCHEMA);
    raw.exec('ALTER TABLE entries ADD COLUMN dead_at INTEGER');
    const row = raw.prepare(`INSERT INTO entries (owner, op, key, hash, record, state, attempts, created_at, not_before, lease_until)
      VALUES ('n1', 'dossier', @key, 'h', '{}', @state, 0, @t, @t, @lease)`);
    row.run({ key: 'dossier:HS1', state: 'inflight', t, lease: t + 60_000 });
    row.run({ key: 'dossier:HS2', state: 'waiting', t, lease: null });
    const done = raw.prepare('INSERT INTO delivered (key, hash, owner, at) VALUES (?, ?, ?, ?)');
    for (const k of ['dossier:HS7', 'dossier:HS8', 'dossier:HS9']) done.run(k, 'h', 'n1', t);
    raw.pragma('user_version = 2');
    raw.close();
    const s = store();
    assert.deepStrictEqual(await s.counts('n1'), { waiting: 2, inflight: 0, dead: 0, delivered: 3, skipped: 0, oldestMs: 0 });
    const got = await s.claim('n1', 10, 60_000);
    assert.strictEqual(got.length, 2);
    assert.deepStrictEqual(await s.delivered(got), got.map((e) => e.id));
    assert.strictEqual((await s.counts('n1')).delivered, 5);
  });

  it('migrates a version 7 file: counts per state start from the entries there, the unread indexes go', async function () {
    const { entry } = require('./support/store-contract');
    const file = path.join(dir, 'outbox.sqlite');
    // Version 7 as it was written: the payload in the entry's row, no per-state counters.
    const raw = new Database(file);
    raw.pragma('journal_mode = WAL');
    raw.exec(V1_SCHEMA);
    raw.exec(`ALTER TABLE entries ADD COLUMN dead_at INTEGER; ALTER TABLE entries ADD COLUMN lease_token TEXT;
      CREATE INDEX entries_oldest ON entries (owner, state, created_at); CREATE INDEX delivered_at ON delivered (at);
      CREATE TABLE counters (owner TEXT PRIMARY KEY, delivered INTEGER NOT NULL DEFAULT 0, skipped INTEGER NOT NULL DEFAULT 0);
      CREATE TABLE cursors (name TEXT PRIMARY KEY, value TEXT NOT NULL);`);
    const row = raw.prepare(`INSERT INTO entries (owner, op, key, hash, record, original, meta, state, attempts, created_at, not_before, lease_until, lease_token, reason)
      VALUES (@owner, @op, @key, @hash, @record, @original, @meta, @state, 0, @t, @t, @until, @token, @reason)`);
    const put = (e, state, extra = {}) => row.run({ ...e, record: JSON.stringify(e.record), original: JSON.stringify(e.original), meta: JSON.stringify(e.meta),
      state, t: t - 1000, until: null, token: null, reason: null, ...extra });
    put(entry(1), 'dead', { reason: 'rejected' });
    put(entry(2), 'inflight', { until: t + 60_000, token: 'old' });
    put(entry(3), 'waiting');
    put(entry(4, { owner: 'n2' }), 'waiting');
    raw.prepare('INSERT INTO counters (owner, delivered) VALUES (?, ?)').run('n1', 7);
    raw.pragma('user_version = 7');
    raw.close();

    const s = store();
    assert.deepStrictEqual({ ...(await s.counts('n1')), oldestMs: 0 }, { waiting: 1, inflight: 1, dead: 1, delivered: 7, skipped: 0, oldestMs: 0 });
    assert.strictEqual((await s.counts('n2')).waiting, 1);
    const check = new Database(file, { readonly: true });
    try {
      const indexes = check.prepare("SELECT name FROM sqlite_master WHERE type = 'index'").pluck().all();
      assert.ok(indexes.includes('entries_by_key') && indexes.includes('entries_oldest'), `${indexes}`);
      for (const gone of ['entries_claim', 'entries_key', 'delivered_owner']) assert.ok(!indexes.includes(gone), `${gone} is gone`);
      // 8 -> 9: a reported (delivered) entry's delete leaves the counters row alone.
      assert.match(check.prepare("SELECT sql FROM sqlite_master WHERE name = 'entries_counted_out'").pluck().get(), /WHEN OLD\.state <> 'delivered'/);
      assert.strictEqual(check.pragma('user_version', { simple: true }), 11);
    } finally {
      check.close();
    }
    // What was there comes back whole, and the counts keep moving.
    const [dead] = await s.deadLetters('n1');
    assert.deepStrictEqual([dead.record, dead.original, dead.meta], [entry(1).record, entry(1).original, entry(1).meta]);
    const [e3] = await s.claim('n1', 10, 60_000);
    assert.deepStrictEqual([e3.key, e3.record, (await s.originals([e3.id])).get(e3.id)], [entry(3).key, entry(3).record, entry(3).original]);
    await s.delivered([e3]);
    await s.reported([e3]);
    await s.enqueue([entry(5)]);
    assert.deepStrictEqual({ ...(await s.counts('n1')), oldestMs: 0 }, { waiting: 1, inflight: 1, dead: 1, delivered: 8, skipped: 0, oldestMs: 0 });
  });

  it('migrates a version 8 file: the delete trigger of a reported entry gets its WHEN, and the counts stay true', async function () {
    const file = path.join(dir, 'outbox.sqlite');
    const s8 = store();
    await s8.enqueue([entry(1), entry(2), entry(3)]);
    await s8.dead(await s8.claim('n1', 1, 60_000), 'rejected', []);
    await s8.close();
    // The trigger exactly as version 8 wrote it.
    const raw = new Database(file);
    raw.exec(`DROP TABLE journal;
      ALTER TABLE entries DROP COLUMN facts;
      DROP TRIGGER entries_counted_out;
      CREATE TRIGGER entries_counted_out AFTER DELETE ON entries BEGIN
        UPDATE counters SET waiting = waiting - (OLD.state = 'waiting'),
          inflight = inflight - (OLD.state = 'inflight'), dead = dead - (OLD.state = 'dead')
          WHERE owner = OLD.owner;
      END;`);
    raw.pragma('user_version = 8');
    raw.close();
    const s = store();
    const [e] = await s.claim('n1', 1, 60_000);
    await s.delivered([e]);
    await s.reported([e]);
    assert.deepStrictEqual({ ...(await s.counts('n1')), oldestMs: 0 }, { waiting: 1, inflight: 0, dead: 1, delivered: 1, skipped: 0, oldestMs: 0 });
    const check = new Database(file, { readonly: true });
    try {
      assert.strictEqual(check.pragma('user_version', { simple: true }), 11);
      assert.match(check.prepare("SELECT sql FROM sqlite_master WHERE name = 'entries_counted_out'").pluck().get(), /WHEN OLD\.state <> 'delivered'/);
    } finally {
      check.close();
    }
  });

  it('migrates a version 9 file: the journal starts, the entries there go on', async function () {
    const file = path.join(dir, 'outbox.sqlite');
    const s9 = store();
    await s9.enqueue([entry(1), entry(2)]);
    await s9.close();
    // A version 9 file has no journal.
    const raw = new Database(file);
    raw.exec('DROP TABLE journal; ALTER TABLE entries DROP COLUMN facts; DROP INDEX cursors_at; ALTER TABLE cursors DROP COLUMN at');
    raw.pragma('user_version = 9');
    raw.close();
    const s = store();
    const got = await s.claim('n1', 10, 60_000);
    assert.deepStrictEqual(got.map((e) => e.key), [entry(1).key, entry(2).key], 'the entries go on');
    await s.delivered(got, { status: 200, code: '0', ms: 40 });
    const h = await s.history('HS1');
    assert.deepStrictEqual(h.map((e) => [e.event, e.exchange]), [['accepted', undefined], ['delivered', { status: 200, code: '0', ms: 40 }]], 'journalled from the migration on; the acceptance is the entry\'s own');
    await s.close();
    const check = new Database(file, { readonly: true });
    try {
      assert.strictEqual(check.pragma('user_version', { simple: true }), 11);
    } finally {
      check.close();
    }
  });

  it('migrates a version 10 file: its positions stay, and from now on a memory knows when it was written', async function () {
    const file = path.join(dir, 'outbox.sqlite');
    const s10 = store();
    await s10.enqueue([], { cursors: new Map([['hoso', { key: 7 }], ['seen:p1:HS1', { hash: 'a' }]]) });
    await s10.close();
    // A version 10 file's cursors have no time.
    const raw = new Database(file);
    raw.exec('DROP INDEX cursors_at; ALTER TABLE cursors DROP COLUMN at');
    raw.pragma('user_version = 10');
    raw.close();
    const s = store();
    assert.deepStrictEqual(await s.cursor('hoso'), { key: 7 });
    assert.deepStrictEqual(await s.cursor('seen:p1:HS1'), { hash: 'a' });
    // A memory from before the migration counts as written long ago: the next retention pass forgets it.
    assert.strictEqual(await s.forget(24 * 3600_000, 100), 1);
    assert.strictEqual(await s.cursor('seen:p1:HS1'), undefined);
    assert.deepStrictEqual(await s.cursor('hoso'), { key: 7 }, 'a position stays');
    await s.close();
    const check = new Database(file, { readonly: true });
    try {
      assert.strictEqual(check.pragma('user_version', { simple: true }), 11);
    } finally {
      check.close();
    }
  });

  it('keeps the sent and skipped counts across a restart (the status shows them after a deploy)', async function () {
    const { entry } = require('./support/store-contract');
    const s = store();
    await s.enqueue([entry(1), entry(2)]);
    const got = await s.claim('n1', 10, 60_000);
    await s.delivered(got);
    await s.reported(got);
    await s.enqueue([entry(1), entry(2)]);
    await s.close();
    const again = store();
    const c = await again.counts('n1');
    assert.deepStrictEqual([c.delivered, c.skipped], [2, 2]);
    await again.close();
  });

  it('refuses a file written by a newer schema version', function () {
    const file = path.join(dir, 'outbox.sqlite');
    const raw = new Database(file);
    raw.pragma('user_version = 99');
    raw.close();
    assert.throws(() => new SqliteStore({ file }), (e) => e.problem.code === 'outboxSchema' && e.problem.params.found === 99);
  });
  describe('ThreadStore: the SQLite outbox on a thread of its own (what createStore makes)', function () {
    const { ThreadStore } = require('../lib/outbox/thread');
    const { createStore } = require('../lib/outbox');
    // The same temp directory, clock and clean-up as the in-thread store's tests above.
    function store(opts = {}) {
      const s = new ThreadStore({ file: path.join(dir, 'outbox.sqlite'), now: clock, ...opts });
      open.push(s);
      return s;
    }

    // The same meaning to the letter, with the caller's clock moving the worker's store.
    contract(() => ({ store: store(), advance: (ms) => (t += ms) }));

    it('is what createStore("sqlite") makes, synchronous FULL by default, and its commits are on the file', async function () {
      const file = path.join(dir, 'outbox.sqlite');
      const s = createStore('sqlite', { file });
      open.push(s);
      assert.ok(s instanceof ThreadStore);
      assert.strictEqual(await s.pragma('synchronous'), 2);
      await s.enqueue([entry(1), entry(2)]);
      // Committed when the promise resolved: another connection on this thread sees it at once.
      const raw = new Database(file, { readonly: true });
      try {
        assert.strictEqual(raw.prepare("SELECT count(*) FROM entries WHERE state = 'waiting'").pluck().get(), 2);
      } finally {
        raw.close();
      }
    });

    it('hands back the caller\'s own objects as accepted entries, and skips what was delivered with the same content', async function () {
      const s = store();
      const a = entry(1);
      const { accepted } = await s.enqueue([a, entry(2)]);
      assert.strictEqual(accepted[0].record, a.record, 'not a copy made by the thread');
      assert.deepStrictEqual(accepted.map((e) => [e.id > 0, e.state, e.createdAt]), [[true, 'waiting', t], [true, 'waiting', t]]);
      const held = await s.claim('n1', 10, 60_000);
      await s.delivered(held);
      const again = await s.enqueue([entry(1), entry(2, { hash: 'changed' }), entry(3)]);
      assert.deepStrictEqual(again.skipped.map((e) => e.key), ['dossier:HS1']);
      assert.deepStrictEqual(again.accepted.map((e) => e.key), ['dossier:HS2', 'dossier:HS3']);
      assert.ok(again.accepted.every((e, i) => i === 0 || e.id > again.accepted[i - 1].id));
    });

    it('stores an original that cannot cross threads (a function in it) as SQLite stores it, as JSON', async function () {
      const s = store();
      const at = new Date('2024-03-05T01:02:03.000Z');
      await s.enqueue([entry(1, { original: { maHoSo: 'HS1', ngay: at, tinh: () => 'not data' } })]);
      const [e] = await s.claim('n1', 10, 60_000);
      assert.deepStrictEqual((await s.originals([e.id])).get(e.id), { maHoSo: 'HS1', ngay: at.toISOString() });
    });

    it('an entry that cannot be written as JSON (a BigInt, a cycle) is refused whole with the outbox\'s problem, as SqliteStore refuses it', async function () {
      const cycle = { a: 1 };
      cycle.self = cycle;
      for (const s of [store(), new SqliteStore({ file: path.join(dir, 'same-thread.sqlite'), now: clock })]) {
        if (s instanceof SqliteStore) open.push(s);
        for (const original of [{ so: 10n }, cycle]) {
          await assert.rejects(s.enqueue([entry(1), entry(2, { original })]), (e) => e instanceof Error && e.problem.code === 'outboxFailed' && e.problem.params.store === 'sqlite');
        }
        assert.strictEqual((await s.counts('n1')).waiting, 0, 'nothing of it kept');
        assert.strictEqual((await s.enqueue([entry(3)])).accepted.length, 1, 'the next one goes through');
      }
    });

    it('refuses a bad file as it is made, as SqliteStore does, with the outbox\'s problem', function () {
      const blocker = path.join(dir, 'a-file');
      fs.writeFileSync(blocker, 'x');
      assert.throws(() => new ThreadStore({ file: path.join(blocker, 'outbox.sqlite') }), (e) => e.problem && e.problem.field === null && /^outbox/.test(e.problem.code));
      const file = path.join(dir, 'newer.sqlite');
      const raw = new Database(file);
      raw.pragma('user_version = 99');
      raw.close();
      assert.throws(() => new ThreadStore({ file }), (e) => e.problem.code === 'outboxSchema' && e.problem.params.found === 99);
    });

    it('a failed commit rejects with the outbox\'s problem and leaves nothing half-written; the next one goes through', async function () {
      const s = store();
      await s.enqueue([entry(1)]);
      await s.pragma(`max_page_count = ${await s.pragma('page_count')}`);
      const big = Array.from({ length: 300 }, (_, i) => entry(100 + i, { record: { MaHoSo: `HS${i}`, HoTen: 'Nguyễn Thị Hoa'.repeat(40) } }));
      await assert.rejects(s.enqueue(big), (e) => e.problem.code === 'outboxFull' && e instanceof Error);
      assert.strictEqual((await s.counts('n1')).waiting, 1, 'none of the refused enqueue was kept');
      await s.pragma('max_page_count = 1073741823');
      assert.strictEqual((await s.enqueue(big)).accepted.length, 300);
    });

    it('runs waiting calls claims first, then outcome writes, then the rest, each kind in the order made', function () {
      const { CallOrder } = require('../lib/outbox/call-order');
      const q = new CallOrder();
      const calls = ['enqueue', 'delivered', 'counts', 'claim', 'reported', 'claim', 'enqueue', 'extend'].map((method, i) => ({ method, i }));
      for (const c of calls) q.push(c);
      assert.strictEqual(q.size, 8);
      const order = [];
      for (let c = q.next(); c; c = q.next()) order.push(`${c.method}#${c.i}`);
      assert.deepStrictEqual(order, ['claim#3', 'claim#5', 'delivered#1', 'reported#4', 'extend#7', 'enqueue#0', 'counts#2', 'enqueue#6']);
      assert.strictEqual(q.size, 0);
    });

    it('does not start the process\'s preloaded modules again in its thread (node -r: an APM agent, a probe)', function () {
      const { spawnSync } = require('child_process');
      const marks = path.join(dir, 'loaded.txt');
      const preload = path.join(dir, 'preload.js');
      fs.writeFileSync(preload, `require('fs').appendFileSync(${JSON.stringify(marks)}, 'thread ' + require('worker_threads').threadId + '\\n');`);
      const script = `const { ThreadStore } = require(${JSON.stringify(path.join(__dirname, '../lib/outbox/thread'))});
        const s = new ThreadStore({ file: ${JSON.stringify(path.join(dir, 'p.sqlite'))} });
        s.enqueue([{ owner: 'n1', op: 'dossier', key: 'k', hash: 'h', record: {} }]).then(() => s.counts('n1')).then((c) => { console.log(c.waiting); return s.close(); });`;
      const r = spawnSync(process.execPath, ['-r', preload, '-e', script], { encoding: 'utf8' });
      assert.strictEqual(r.status, 0, r.stderr);
      assert.strictEqual(r.stdout.trim(), '1', 'the store worked');
      assert.deepStrictEqual(fs.readFileSync(marks, 'utf8').trim().split('\n'), ['thread 0'], 'loaded once, on the main thread');
    });

    it('after close, and when its thread is gone, every call rejects with a problem; nothing waits for ever', async function () {
      const s = store();
      await s.enqueue([entry(1)]);
      await s.close();
      await s.close(); // a second close is harmless
      await assert.rejects(s.counts('n1'), (e) => e.problem.code === 'outboxFailed');
      // The thread dies under calls in flight (reached into here; nothing in the package does this).
      const d = store();
      const calls = [d.counts('n1'), d.enqueue([entry(2)]), d.claim('n1', 10, 60_000)];
      await d.worker.terminate();
      const settled = await Promise.allSettled([...calls, d.counts('n1')]);
      for (const r of settled.slice(-1)) assert.strictEqual(r.status, 'rejected');
      for (const r of settled) if (r.status === 'rejected') assert.strictEqual(r.reason.problem.code, 'outboxFailed');
      // What the thread committed before it died is on the file.
      const again = store();
      assert.ok((await again.counts('n1')).waiting >= 1);
    });
  });
});

describe('a claim carries no originals; a dead letter still shows its own (src/lib/engine/sender.ts)', function () {
  const { Sender } = require('../lib/engine/sender');
  const { operation } = require('../lib/fields');
  const { dossier } = require('./support/records');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'btxh-originals-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const thread of [false, true]) {
    it(`a record BTXH refuses reaches output 2 with the record as received (SQLite${thread ? ' on its thread' : ''})`, async function () {
      const { ThreadStore } = require('../lib/outbox/thread');
      const file = path.join(dir, `o-${thread}.db`);
      const store = thread ? new ThreadStore({ file }) : new SqliteStore({ file });
      const sender = new Sender({ op: operation('dossier'), owner: 'n1', store, send: async () => ({ ok: false, kind: 'rejected', code: 'refused', status: 200, message: 'no' }) });
      const dead = new Promise((resolve, reject) => {
        sender.on('dead', resolve);
        sender.on('storeError', reject);
      });
      const original = { ChuHoSo: 'Lò Văn Páo', SoGiayToChuHoSo: '011148003215', EformData: '{"GioiTinh":{"Code":"1"}}' };
      await store.enqueue([sender.entry(dossier(1), original)]);
      sender.start();
      const entry = await dead;
      await sender.stop();
      await store.close();
      assert.deepStrictEqual(entry.original, original);
      assert.strictEqual(entry.state, 'dead');
    });
  }
});
