'use strict';
// The SQLite outbox against the Store contract (src/lib/outbox/store.ts), on real
// files in a temp dir. A movable clock expires leases and backoff without sleeping.
const assert = require('assert');
const { supersede } = require('./support/store-contract');
const fs = require('fs');
const os = require('os');
const path = require('path');
const Database = require('better-sqlite3');
const { SqliteStore } = require('../lib/outbox/sqlite');

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

  it('creates the directory, WAL journal and schema version 2', async function () {
    const file = path.join(dir, 'deep', 'er', 'outbox.sqlite');
    const s = new SqliteStore({ file });
    open.push(s);
    const raw = new Database(file, { readonly: true });
    try {
      assert.strictEqual(raw.pragma('journal_mode', { simple: true }), 'wal');
      assert.strictEqual(raw.pragma('user_version', { simple: true }), 2);
      assert.ok(raw.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('entries').includes('dead_at'));
      const tables = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
      assert.deepStrictEqual(tables, ['delivered', 'entries']);
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

  it('enqueues in one go and claims oldest first, up to the limit, as inflight', async function () {
    const s = store();
    const { accepted, skipped } = await s.enqueue([entry(1), entry(2), entry(3)]);
    assert.strictEqual(skipped.length, 0);
    assert.deepStrictEqual(accepted.map((e) => e.state), ['waiting', 'waiting', 'waiting']);
    assert.ok(accepted[0].id < accepted[1].id && accepted[1].id < accepted[2].id);
    assert.strictEqual(accepted[0].createdAt, t);

    const first = await s.claim('n1', 2, 60_000);
    assert.deepStrictEqual(first.map((e) => e.key), ['dossier:HS1', 'dossier:HS2']);
    assert.deepStrictEqual(first[0].record, { MaHoSo: 'HS1', HoTen: 'Nguyễn Thị Hoa' });
    assert.deepStrictEqual(first[0].original, { maHoSo: 'HS1' });
    assert.deepStrictEqual(first[0].meta, { _msgid: 'm1' });
    assert.strictEqual(first[0].state, 'inflight');
    const rest = await s.claim('n1', 10, 60_000);
    assert.deepStrictEqual(rest.map((e) => e.key), ['dossier:HS3']);
    assert.deepStrictEqual(await s.claim('n1', 10, 60_000), [], 'leased entries are not claimed again');
    assert.deepStrictEqual(await s.claim('other', 10, 60_000), [], 'claims are by owner');
    const c = await s.counts('n1');
    assert.deepStrictEqual(c, { waiting: 0, inflight: 3, dead: 0, delivered: 0, oldestMs: 0 });
    t += 5000;
    assert.strictEqual((await s.counts('n1')).oldestMs, 5000);
  });

  it('never hands out a key twice: one entry per key, oldest first, any owner holds it', async function () {
    const s = store();
    await s.enqueue([entry(1, { hash: 'a' }), entry(1, { hash: 'b' }), entry(2)]);
    const one = await s.claim('n1', 10, 60_000);
    assert.deepStrictEqual(one.map((e) => [e.key, e.hash]), [['dossier:HS1', 'a'], ['dossier:HS2', 'h2']]);
    assert.deepStrictEqual(await s.claim('n1', 10, 60_000), []);
    await s.delivered([one[0].id]);
    const two = await s.claim('n1', 10, 60_000);
    assert.deepStrictEqual(two.map((e) => e.hash), ['b']);

    // Another owner's entry of a key in flight waits too.
    await s.enqueue([entry(7, { owner: 'n2' })]);
    const held = await s.claim('n2', 10, 60_000);
    assert.strictEqual(held.length, 1);
    await s.enqueue([entry(7, { owner: 'n1', hash: 'newer' })]);
    assert.deepStrictEqual(await s.claim('n1', 10, 60_000), []);
    await s.retry([held[0].id], [], t + 60_000);
    assert.deepStrictEqual(await s.claim('n1', 10, 60_000), [], 'an older waiting entry of the key goes first');
  });

  it('delivered keeps only key, hash and time, and skips the same content later unless resend', async function () {
    const s = store();
    const [e] = (await s.enqueue([entry(1)])).accepted;
    await s.claim('n1', 10, 60_000);
    await s.delivered([e.id]);
    await s.delivered([e.id]); // twice is harmless
    const c = await s.counts('n1');
    assert.deepStrictEqual([c.waiting, c.inflight, c.delivered], [0, 0, 1]);

    const raw = new Database(path.join(dir, 'outbox.sqlite'), { readonly: true });
    try {
      assert.strictEqual(raw.prepare('SELECT count(*) FROM entries').pluck().get(), 0, 'no personal data lingers');
      assert.deepStrictEqual(raw.prepare('SELECT key, hash, owner, at FROM delivered').all(),
        [{ key: 'dossier:HS1', hash: 'h1', owner: 'n1', at: t }]);
    } finally {
      raw.close();
    }

    const again = await s.enqueue([entry(1), entry(1, { hash: 'changed' })]);
    assert.deepStrictEqual(again.skipped.map((x) => x.hash), ['h1']);
    assert.deepStrictEqual(again.accepted.map((x) => x.hash), ['changed']);
    const forced = await s.enqueue([entry(1)], { resend: true });
    assert.strictEqual(forced.accepted.length, 1);
    assert.strictEqual((await s.counts('n1')).waiting, 2);
  });

  it('retry counts the attempt and waits until notBefore', async function () {
    const s = store();
    await s.enqueue([entry(1)]);
    const [e] = await s.claim('n1', 1, 60_000);
    const why = [{ field: null, code: 'transient', params: { status: 503 } }];
    await s.retry([e.id], why, t + 1000);
    assert.deepStrictEqual(await s.claim('n1', 1, 60_000), []);
    t += 1000;
    const [back] = await s.claim('n1', 1, 60_000);
    assert.strictEqual(back.id, e.id);
    assert.strictEqual(back.attempts, 1);
    assert.strictEqual(back.notBefore, t);
    assert.deepStrictEqual(back.lastError, why);
  });

  it('dead letters are listed, replayed by key or reason, and retry leaves them dead', async function () {
    const s = store();
    await s.enqueue([entry(1), entry(2), entry(3)]);
    const accepted = t;
    const [a, b, c] = await s.claim('n1', 3, 60_000);
    const bad = [{ field: 'NgaySinh', code: 'format' }];
    await s.retry([a.id], [], t);
    t += 5000;
    await s.dead([a.id, b.id], 'rejected', bad);
    t += 2000;
    await s.dead([c.id], 'undeliverable', []);
    await s.retry([a.id], [], t); // a late retry must not revive a dead letter
    let dl = await s.deadLetters('n1');
    assert.deepStrictEqual(dl.map((x) => [x.key, x.reason]),
      [['dossier:HS1', 'rejected'], ['dossier:HS2', 'rejected'], ['dossier:HS3', 'undeliverable']]);
    assert.deepStrictEqual(dl.map((x) => [x.createdAt, x.deadAt]),
      [[accepted, accepted + 5000], [accepted, accepted + 5000], [accepted, accepted + 7000]], 'accepted and died, on the store clock');
    assert.deepStrictEqual(dl[0].lastError, bad);
    assert.strictEqual(dl[0].attempts, 1);
    assert.strictEqual((await s.deadLetters('n1', 1)).length, 1);
    assert.strictEqual((await s.counts('n1')).dead, 3);
    assert.deepStrictEqual(await s.claim('n1', 10, 60_000), [], 'dead letters are not claimed');

    assert.strictEqual(await s.replay('n1', { reason: 'undeliverable' }), 1);
    assert.strictEqual(await s.replay('n1', { keys: ['dossier:HS2'] }), 1);
    assert.strictEqual(await s.replay('other'), 0);
    const back = await s.claim('n1', 10, 60_000);
    assert.deepStrictEqual(back.map((x) => x.key), ['dossier:HS2', 'dossier:HS3']);
    assert.ok(back.every((x) => x.attempts === 0 && x.reason === undefined && x.deadAt === undefined), 'replay clears deadAt');
    const raw = new Database(path.join(dir, 'outbox.sqlite'), { readonly: true });
    try {
      assert.deepStrictEqual(raw.prepare("SELECT key FROM entries WHERE dead_at IS NOT NULL").pluck().all(), ['dossier:HS1']);
    } finally {
      raw.close();
    }
    assert.strictEqual(await s.replay('n1'), 1);
    assert.strictEqual((await s.counts('n1')).dead, 0);
  });

  supersede(() => store());

  it('release puts in-flight entries of the owner back to waiting', async function () {
    const s = store();
    await s.enqueue([entry(1), entry(2, { owner: 'n2' })]);
    await s.claim('n1', 10, 60_000);
    await s.claim('n2', 10, 60_000);
    await s.release('n1');
    assert.deepStrictEqual([(await s.counts('n1')).waiting, (await s.counts('n2')).inflight], [1, 1]);
    assert.strictEqual((await s.claim('n1', 10, 60_000)).length, 1);
  });

  it('an expired lease (a crashed run) is claimed again', async function () {
    const s = store();
    await s.enqueue([entry(1)]);
    const [e] = await s.claim('n1', 10, 30_000);
    t += 29_999;
    assert.deepStrictEqual(await s.claim('n1', 10, 30_000), []);
    t += 2;
    const [again] = await s.claim('n1', 10, 30_000);
    assert.strictEqual(again.id, e.id);
  });

  it('extend renews the lease of entries still in flight, and leaves the others as they are', async function () {
    const s = store();
    const other = store(); // another connection to the file, as a second claimer
    await s.enqueue([entry(1), entry(2), entry(3), entry(4)]);
    const [e1, e2, e3] = await s.claim('n1', 3, 30_000);
    await s.retry([e2.id], [], t + 100_000);
    await s.dead([e3.id], 'rejected', []);
    t += 20_000;
    await s.extend([e1.id, e2.id, e3.id, e3.id + 1, 999], 30_000);
    const c = await s.counts('n1');
    assert.deepStrictEqual([c.waiting, c.inflight, c.dead], [2, 1, 1], 'nothing but the in-flight entry changed state');
    const raw = new Database(path.join(dir, 'outbox.sqlite'), { readonly: true });
    try {
      assert.deepStrictEqual(raw.prepare('SELECT id, lease_until FROM entries ORDER BY id').raw().all(),
        [[e1.id, t + 30_000], [e2.id, null], [e3.id, null], [e3.id + 1, null]]);
    } finally {
      raw.close();
    }
    t += 15_000; // past the claim's lease, within the renewed one
    assert.deepStrictEqual((await other.claim('n1', 10, 30_000)).map((e) => e.key), ['dossier:HS4'], 'HS1 is still held');
    t += 15_001;
    assert.deepStrictEqual((await other.claim('n1', 10, 30_000)).map((e) => e.id), [e1.id], 'the renewed lease ends too');
  });

  it('keeps entries across closing and reopening the file, leases included', async function () {
    const s = store();
    await s.enqueue([entry(1), entry(2)]);
    const [e1] = await s.claim('n1', 1, 60_000);
    await s.close();
    await assert.rejects(s.enqueue([entry(3)]), 'a closed store rejects');

    const r = store();
    assert.deepStrictEqual(await r.counts('n1'), { waiting: 1, inflight: 1, dead: 0, delivered: 0, oldestMs: 0 });
    const [e2] = await r.claim('n1', 10, 60_000);
    assert.deepStrictEqual(e2, { ...entry(2), id: e2.id, state: 'inflight', attempts: 0, createdAt: t, notBefore: t });
    t += 60_001;
    assert.strictEqual((await r.claim('n1', 10, 60_000))[0].id, e1.id);
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

  it('a file that cannot be opened fails at construction (SQLITE_CANTOPEN / ENOTDIR)', function () {
    const blocker = path.join(dir, 'not-a-dir');
    fs.writeFileSync(blocker, '');
    assert.throws(() => new SqliteStore({ file: path.join(blocker, 'outbox.sqlite') }),
      (e) => e.problem && e.problem.code === 'outboxUnavailable');
    fs.mkdirSync(path.join(dir, 'a-dir.sqlite'));
    assert.throws(() => new SqliteStore({ file: path.join(dir, 'a-dir.sqlite') }),
      (e) => e.code === 'SQLITE_CANTOPEN' && e.problem.code === 'outboxUnavailable');
  });

  it('migrates a version 1 file to version 2 on open and keeps its entries', async function () {
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
      assert.strictEqual(check.pragma('user_version', { simple: true }), 2);
      assert.ok(check.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('entries').includes('dead_at'));
    } finally {
      check.close();
    }
    assert.deepStrictEqual(await s.counts('n1'), { waiting: 1, inflight: 0, dead: 1, delivered: 1, oldestMs: 1000 });
    const [old] = await s.deadLetters('n1');
    assert.deepStrictEqual([old.key, old.reason, old.attempts, old.createdAt, old.deadAt], ['dossier:HS2', 'undeliverable', 3, t - 2000, undefined],
      'a letter that died before the migration has no deadAt');
    assert.deepStrictEqual((await s.enqueue([entry(9)])).skipped.map((x) => x.key), ['dossier:HS9'], 'delivered keys are still remembered');
    const [e] = await s.claim('n1', 10, 60_000);
    assert.deepStrictEqual(e, { ...entry(1), id: e.id, state: 'inflight', attempts: 0, createdAt: t - 1000, notBefore: t - 1000 });
    t += 500;
    await s.dead([e.id], 'rejected', []);
    assert.deepStrictEqual((await s.deadLetters('n1')).map((x) => [x.key, x.deadAt]), [['dossier:HS1', t], ['dossier:HS2', undefined]]);
    assert.strictEqual(await s.replay('n1'), 2);
    await s.close();
    // Opening again finds version 2 and changes nothing.
    const again = store();
    assert.strictEqual((await again.counts('n1')).waiting, 2);
  });

  it('refuses a file written by a newer schema version', function () {
    const file = path.join(dir, 'outbox.sqlite');
    const raw = new Database(file);
    raw.pragma('user_version = 99');
    raw.close();
    assert.throws(() => new SqliteStore({ file }), (e) => e.problem.code === 'outboxSchema' && e.problem.params.found === 99);
  });
});
