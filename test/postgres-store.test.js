'use strict';
// The PostgreSQL outbox against the Store contract, on a throwaway server
// (test/support/postgres.js), plus what sharing one queue between Node-RED
// instances needs: concurrent claimers, lease takeover, the database clock.
const assert = require('assert');
const { contract } = require('./support/store-contract');
const net = require('net');
const { Client } = require('pg');
const support = require('./support/postgres');
const { PostgresStore } = require('../lib/outbox/postgres');

/** An entry as a claim returns it: without its original (Store.claim). */
const claimed = ({ original: _, ...e }) => e;

function entry(i, over = {}) {
  return {
    owner: 'n1',
    op: 'progress',
    key: `progress:HS${i}`,
    hash: `h${i}`,
    record: { MaHoSo: `HS${i}`, HoTen: 'Trần Văn Bình', z: 1, a: 2 },
    original: { maHoSo: `HS${i}` },
    meta: { _msgid: `m${i}` },
    ...over,
  };
}

describe('PostgresStore', function () {
  this.timeout(60_000);
  let server;
  let sql;
  let open = [];
  let table;
  let n = 0;
  const store = (opts = {}) => {
    const s = new PostgresStore({ connectionString: server.connectionString, table, ...opts });
    open.push(s);
    return s;
  };
  const one = async (text, args) => (await sql.query(text, args)).rows;

  before(async function () {
    server = await support.startOrSkip(this);
    sql = new Client({ connectionString: server.connectionString });
    await sql.connect();
  });
  after(async function () {
    if (sql) await sql.end();
    if (server) server.stop();
  });
  beforeEach(function () {
    table = `outbox_${++n}`;
  });
  afterEach(async function () {
    for (const s of open) await s.close();
    open = [];
  });

  it('creates schema and tables on first use, once, even when instances start together', async function () {
    const stores = [store(), store(), store()];
    const counts = await Promise.all(stores.map((s) => s.counts('n1')));
    assert.deepStrictEqual(counts[2], { waiting: 0, inflight: 0, dead: 0, delivered: 0, skipped: 0, oldestMs: 0 });
    const tables = await one(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'btxh' AND table_name LIKE $1 ORDER BY 1`, [`${table}%`]);
    assert.deepStrictEqual(tables.map((r) => r.table_name), [table, `${table}_counters`, `${table}_cursors`, `${table}_delivered`, `${table}_journal`, `${table}_schema`]);
    assert.deepStrictEqual(await one(`SELECT version FROM btxh.${table}_schema`), [{ version: 9 }]);
    const idx = await one(`SELECT indexdef FROM pg_indexes WHERE tablename = $1 AND indexname = $2`, [table, `${table}_inflight_key`]);
    assert.match(idx[0].indexdef, /UNIQUE INDEX .* \(key\) WHERE \(state = 'inflight'::text\)/);
  });

  it('loads pg only when a PostgresStore is created', function () {
    const { execFileSync } = require('child_process');
    const out = execFileSync(process.execPath, ['-e', `
      require('./lib/outbox/sqlite'); require('./lib/outbox/sql');
      const loaded = () => Object.keys(require.cache).some((f) => /node_modules[\\\\/]pg[\\\\/]/.test(f));
      const before = loaded();
      require('./lib/outbox/postgres');
      const mid = loaded();
      new (require('./lib/outbox/postgres').PostgresStore)({ connectionString: 'postgresql://x@127.0.0.1:1/x' }).close();
      console.log(JSON.stringify([before, mid, loaded()]));`], { cwd: require('path').join(__dirname, '..'), encoding: 'utf8' });
    assert.deepStrictEqual(JSON.parse(out), [false, false, true]);
  });

  it('enqueues in one transaction and claims oldest first, up to the limit, by owner', async function () {
    const s = store();
    const { accepted } = await s.enqueue([entry(1), entry(2), entry(3), entry(4, { owner: 'n2', original: undefined, meta: undefined })]);
    assert.deepStrictEqual(accepted.map((e) => [e.key, e.state]), [
      ['progress:HS1', 'waiting'], ['progress:HS2', 'waiting'], ['progress:HS3', 'waiting'], ['progress:HS4', 'waiting']]);
    assert.ok(accepted[0].id < accepted[1].id && accepted[1].id < accepted[2].id);
    const first = await s.claim('n1', 2, 60_000);
    assert.deepStrictEqual(first.map((e) => e.id), [accepted[0].id, accepted[1].id]);
    assert.deepStrictEqual(first[0], { ...claimed(entry(1)), id: accepted[0].id, state: 'inflight', attempts: 0, createdAt: accepted[0].createdAt, notBefore: accepted[0].createdAt, lease: first[0].lease });
    assert.deepStrictEqual((await s.originals([first[0].id])).get(first[0].id), entry(1).original);
    const stored = await one(`SELECT record::text AS r FROM btxh.${table} WHERE id = $1`, [accepted[0].id]);
    assert.strictEqual(stored[0].r, JSON.stringify(entry(1).record), 'the record is kept byte for byte');
    assert.deepStrictEqual((await s.claim('n1', 10, 60_000)).map((e) => e.key), ['progress:HS3']);
    assert.deepStrictEqual(await s.claim('n1', 10, 60_000), []);
    const [other] = await s.claim('n2', 10, 60_000);
    assert.ok(!(await s.originals([other.id])).has(other.id), 'none was given');
    assert.strictEqual(other.meta, undefined);
    const c = await s.counts('n1');
    assert.deepStrictEqual([c.waiting, c.inflight, c.dead, c.delivered], [0, 3, 0, 0]);
    assert.ok(c.oldestMs >= 0);
  });

  // The database's clock cannot be moved: moving every stored time back by as much is the same.
  contract(() => {
    const s = store();
    const back = (q) => (ms) => sql.query(q, [ms]).catch((e) => (e.code === '42P01' ? undefined : Promise.reject(e)));
    const entries = back(`UPDATE btxh.${table} SET created_at = created_at - $1 * interval '1 millisecond',
      not_before = not_before - $1 * interval '1 millisecond', lease_until = lease_until - $1 * interval '1 millisecond',
      dead_at = dead_at - $1 * interval '1 millisecond'`);
    const delivered = back(`UPDATE btxh.${table}_delivered SET at = at - $1 * interval '1 millisecond'`);
    const journal = back(`UPDATE btxh.${table}_journal SET at = at - $1 * interval '1 millisecond', accepted = accepted - $1 * interval '1 millisecond'`);
    const cursors = back(`UPDATE btxh.${table}_cursors SET at = at - $1 * interval '1 millisecond'`);
    const advance = async (ms) => {
      await entries(ms);
      await delivered(ms);
      await journal(ms);
      await cursors(ms);
    };
    return { store: s, advance };
  });

  it('release returns only this instance\'s claims: the others share the owner', async function () {
    const a = store();
    const b = store();
    await a.enqueue([entry(1), entry(2)]);
    const [mine] = await a.claim('n1', 1, 60_000);
    const [theirs] = await b.claim('n1', 1, 60_000);
    assert.deepStrictEqual(await a.release([mine, { ...theirs, lease: mine.lease }]), [mine.id]);
    const c = await a.counts('n1');
    assert.deepStrictEqual([c.waiting, c.inflight], [1, 1]);
    const [again] = await b.claim('n1', 10, 60_000);
    assert.strictEqual(again.id, mine.id);
    assert.notStrictEqual(theirs.id, mine.id);
  });

  it('keeps entries when every instance closes and a new one opens', async function () {
    const s = store();
    await s.enqueue([entry(1)]);
    await s.close();
    await assert.rejects(s.enqueue([entry(2)]));
    const r = store();
    const [e] = await r.claim('n1', 10, 60_000);
    assert.deepStrictEqual(e.record, entry(1).record);
  });

  it('three instances claiming 500 entries together: each entry once, no key in flight twice', async function () {
    const stores = [store({ poolSize: 3 }), store({ poolSize: 3 }), store({ poolSize: 3 })];
    // 125 keys with 4 entries each, so the per-key guard is exercised under contention.
    const all = Array.from({ length: 500 }, (_, i) => entry(i % 125, { hash: `h${i}`, record: { i } }));
    for (let i = 0; i < all.length; i += 100) await stores[0].enqueue(all.slice(i, i + 100));
    const claimed = new Map();
    const busy = new Set();
    const order = new Map();
    async function worker(s, w) {
      for (let idle = 0; idle < 40;) {
        const got = await s.claim('n1', 1 + (w * 7) % 13, 60_000);
        if (!got.length) {
          idle++;
          await new Promise((r) => setImmediate(r));
          continue;
        }
        idle = 0;
        for (const e of got) {
          assert.ok(!busy.has(e.key), `key ${e.key} handed to two claimers`);
          busy.add(e.key);
          claimed.set(e.id, (claimed.get(e.id) ?? 0) + 1);
          // Entries of a key go out in the order they were accepted.
          assert.ok((order.get(e.key) ?? -1) < e.record.i, `key ${e.key} out of order`);
          order.set(e.key, e.record.i);
        }
        // The test forgets the keys before the store does, so a key seen busy is a real double hand-out.
        for (const e of got) busy.delete(e.key);
        assert.deepStrictEqual(await s.delivered(got), got.map((e) => e.id));
        await s.reported(got);
      }
    }
    await Promise.all(stores.map(worker));
    assert.strictEqual(claimed.size, 500);
    assert.ok([...claimed.values()].every((v) => v === 1), 'each entry claimed exactly once');
    const c = await stores[1].counts('n1');
    assert.deepStrictEqual([c.waiting, c.inflight, c.delivered], [0, 0, 500]);
  });

  it('the database refuses a second in-flight entry of a key', async function () {
    const s = store();
    await s.enqueue([entry(1, { hash: 'a' }), entry(1, { hash: 'b' })]);
    await s.claim('n1', 10, 60_000);
    await assert.rejects(sql.query(`UPDATE btxh.${table} SET state = 'inflight' WHERE hash = 'b'`), (e) => e.code === '23505');
  });

  it('a lease that expires (a crashed instance) is taken over by another instance', async function () {
    const crashed = store();
    const other = store();
    await crashed.enqueue([entry(1), entry(2)]);
    const got = await crashed.claim('n1', 10, 300);
    assert.strictEqual(got.length, 2);
    await crashed.close(); // no release: as if the process died
    assert.deepStrictEqual(await other.claim('n1', 10, 60_000), [], 'a live lease is respected');
    await sql.query('SELECT pg_sleep(0.4)');
    const taken = await other.claim('n1', 10, 60_000);
    assert.deepStrictEqual(taken.map((e) => e.id), got.map((e) => e.id));
    assert.deepStrictEqual(await crashed.delivered(got).catch(() => 'closed'), 'closed');
    await other.delivered(taken);
    assert.strictEqual((await other.counts('n1')).delivered, 2);
  });

  it('extend renews, on the database clock, only the leases this instance holds', async function () {
    const a = store();
    const b = store();
    await a.enqueue([entry(1), entry(2), entry(3)]);
    const [held, backing] = await a.claim('n1', 2, 300);
    await a.retry([backing], [], 60_000);
    const lease = async (id) => (await one(`SELECT state, lease_token IS NOT NULL AS claimed, extract(epoch FROM lease_until - now())::float8 AS s
      FROM btxh.${table} WHERE id = $1`, [id]))[0];
    assert.deepStrictEqual(await a.extend([held, backing], 60_000), [held.id]);
    const renewed = await lease(held.id);
    assert.ok(renewed.s > 50 && renewed.s <= 60, `lease is one minute of database time, got ${renewed.s}s`);
    assert.deepStrictEqual(await lease(backing.id), { state: 'waiting', claimed: false, s: null }, 'an entry no longer in flight is left alone');
    await sql.query('SELECT pg_sleep(0.4)'); // past the claim's lease
    assert.deepStrictEqual((await b.claim('n1', 10, 60_000)).map((e) => e.key), ['progress:HS3'], 'the renewed entry is not taken over');
    const before = await one(`SELECT lease_until FROM btxh.${table} WHERE id = $1`, [held.id]);
    await b.extend([{ id: held.id, lease: 'someone else' }], 1);
    assert.deepStrictEqual(await one(`SELECT lease_until FROM btxh.${table} WHERE id = $1`, [held.id]), before, 'another instance cannot renew it');

    // A lease that ended and was taken over belongs to the new holder: the old one cannot renew it.
    await a.enqueue([entry(4)]);
    const [late] = await a.claim('n1', 10, 300);
    await sql.query('SELECT pg_sleep(0.4)');
    const [taken] = await b.claim('n1', 10, 300);
    assert.strictEqual(taken.id, late.id);
    assert.deepStrictEqual(await a.extend([late], 60_000), []);
    assert.ok((await lease(late.id)).s < 1, 'still the new holder\'s short lease');
  });

  it('leases and delays use the database clock, not the instances\' clocks', async function () {
    const a = store();
    const b = store();
    await a.enqueue([entry(1), entry(2)]);
    const realNow = Date.now;
    try {
      Date.now = () => realNow() - 3_600_000; // instance A's clock is an hour slow
      const [held, later] = await a.claim('n1', 2, 60_000);
      await a.retry([later], [], 60_000);
      Date.now = () => realNow() + 3_600_000; // instance B's clock is an hour fast
      assert.deepStrictEqual(await b.claim('n1', 10, 60_000), [], 'the lease and the delay still hold on a fast clock');
      const [row] = await one(`SELECT extract(epoch FROM lease_until - now()) AS s FROM btxh.${table} WHERE id = $1`, [held.id]);
      assert.ok(Number(row.s) > 50 && Number(row.s) <= 60, `lease is one minute of database time, got ${row.s}s`);
      const [db] = await one(`SELECT floor(extract(epoch FROM now()) * 1000)::float8 AS ms`);
      assert.ok(Math.abs(held.createdAt - db.ms) < 600_000, 'createdAt is the database time');
      await a.dead([held], 'rejected', []);
      const [dead] = await a.deadLetters('n1');
      assert.ok(Math.abs(dead.deadAt - db.ms) < 600_000, 'deadAt is the database time');
    } finally {
      Date.now = realNow;
    }
  });

  it('a read-only database rejects enqueue (25006) and nothing is accepted', async function () {
    const w = store();
    await w.enqueue([entry(1)]);
    const ro = store({ connectionString: `${server.connectionString}?options=-c%20default_transaction_read_only%3Don` });
    const err = await ro.enqueue([entry(2)]).then(() => null, (e) => e);
    assert.ok(err, 'enqueue must reject');
    assert.strictEqual(err.code, '25006');
    assert.strictEqual(err.problem.code, 'outboxReadOnly');
    assert.strictEqual((await w.counts('n1')).waiting, 1);
  });

  it('a connection held in a transaction when the server ends it: the error is the transaction\'s, never an uncaught event (issue 9)', async function () {
    const s = store();
    await s.counts('n1'); // schema ready
    const uncaught = [];
    const onUncaught = (e) => uncaught.push(e);
    process.prependListener('uncaughtException', onUncaught);
    try {
      const err = await s.tx(async (c) => {
        const pid = (await c.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
        // Idle in the transaction, between two statements, when the backend goes (a restart does this to every one).
        await one('SELECT pg_terminate_backend($1)', [pid]);
        await new Promise((r) => setTimeout(r, 300));
        await c.query('SELECT 1');
      }).then(() => null, (e) => e);
      assert.ok(err, 'the transaction fails');
      assert.ok(['outboxFailed', 'outboxUnavailable'].includes(err.problem.code), err.problem.code);
      assert.deepStrictEqual(uncaught, [], 'no uncaught error event');
      // The broken connection was destroyed, not handed out again.
      assert.deepStrictEqual(await s.counts('n1'), { waiting: 0, inflight: 0, dead: 0, delivered: 0, skipped: 0, oldestMs: 0 });
    } finally {
      process.removeListener('uncaughtException', onUncaught);
    }
  });

  it('an unreachable database rejects with outboxUnavailable (nothing accepted)', async function () {
    const port = await new Promise((resolve) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const p = srv.address().port;
        srv.close(() => resolve(p));
      });
    });
    const s = store({ connectionString: `postgresql://postgres@127.0.0.1:${port}/postgres` });
    const err = await s.enqueue([entry(1)]).then(() => null, (e) => e);
    assert.ok(err, 'enqueue must reject');
    assert.strictEqual(err.problem.code, 'outboxUnavailable');
    assert.strictEqual(err.problem.params.store, 'postgres');
  });

  it('migrates a version 1 schema to version 3, once, even when instances start together, and keeps its entries', async function () {
    const t = `btxh."${table}"`;
    await sql.query(`CREATE SCHEMA IF NOT EXISTS btxh;
      CREATE TABLE btxh."${table}_schema" (version integer NOT NULL);
      CREATE TABLE ${t} (
        id          bigserial PRIMARY KEY,
        owner       text        NOT NULL,
        op          text        NOT NULL,
        key         text        NOT NULL,
        hash        text        NOT NULL,
        record      json        NOT NULL,
        original    json,
        meta        json,
        state       text        NOT NULL,
        attempts    integer     NOT NULL DEFAULT 0,
        created_at  timestamptz NOT NULL DEFAULT now(),
        not_before  timestamptz NOT NULL DEFAULT now(),
        lease_until timestamptz,
        claimer     text,
        last_error  json,
        reason      text
      );
      CREATE INDEX "${table}_claim" ON ${t} (owner, state, not_before);
      CREATE INDEX "${table}_key" ON ${t} (key, state);
      CREATE UNIQUE INDEX "${table}_inflight_key" ON ${t} (key) WHERE state = 'inflight';
      CREATE TABLE btxh."${table}_delivered" (
        key   text        PRIMARY KEY,
        hash  text        NOT NULL,
        owner text        NOT NULL,
        at    timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX "${table}_delivered_owner" ON btxh."${table}_delivered" (owner);
      INSERT INTO btxh."${table}_schema" (version) VALUES (1);`);
    const add = `INSERT INTO ${t} (owner, op, key, hash, record, original, meta, state, attempts, last_error, reason)
      VALUES ($1, $2, $3, $4, $5::json, $6::json, $7::json, $8, $9, $10::json, $11)`;
    const row = (i, state, attempts, err, reason) => {
      const e = entry(i);
      return sql.query(add, [e.owner, e.op, e.key, e.hash, JSON.stringify(e.record), JSON.stringify(e.original), JSON.stringify(e.meta),
        state, attempts, err, reason]);
    };
    await row(1, 'waiting', 0, null, null);
    await row(2, 'dead', 3, JSON.stringify([{ field: null, code: 'undeliverable' }]), 'undeliverable');
    await sql.query(`INSERT INTO btxh."${table}_delivered" (key, hash, owner) VALUES ('progress:HS9', 'h9', 'n1')`);

    const stores = [store(), store(), store()];
    const counts = await Promise.all(stores.map((s) => s.counts('n1')));
    assert.deepStrictEqual(counts.map((c) => [c.waiting, c.dead, c.delivered]), [[1, 1, 1], [1, 1, 1], [1, 1, 1]]);
    assert.deepStrictEqual(await one(`SELECT version FROM btxh."${table}_schema"`), [{ version: 9 }]);
    assert.deepStrictEqual(await one(`SELECT indexname FROM pg_indexes WHERE schemaname = 'btxh' AND indexname = $1`, [`${table}_open`]),
      [{ indexname: `${table}_open` }], 'a claim walks each state in id order');
    assert.deepStrictEqual(await one(`SELECT column_name FROM information_schema.columns WHERE table_schema = 'btxh' AND table_name = $1 AND column_name IN ('claimer', 'lease_token')`, [table]),
      [{ column_name: 'lease_token' }], 'the per-instance claimer gave way to per-claim tokens');
    assert.deepStrictEqual(await one(`SELECT data_type FROM information_schema.columns WHERE table_schema = 'btxh' AND table_name = $1 AND column_name = 'dead_at'`, [table]),
      [{ data_type: 'timestamp with time zone' }]);

    const s = stores[0];
    const [old] = await s.deadLetters('n1');
    assert.deepStrictEqual([old.key, old.reason, old.attempts, old.deadAt], ['progress:HS2', 'undeliverable', 3, undefined],
      'a letter that died before the migration has no deadAt');
    assert.deepStrictEqual((await s.enqueue([entry(9)])).skipped.map((x) => x.key), ['progress:HS9'], 'delivered keys are still remembered');
    const [e] = await s.claim('n1', 10, 60_000);
    assert.deepStrictEqual(e, { ...claimed(entry(1)), id: e.id, state: 'inflight', attempts: 0, createdAt: e.createdAt, notBefore: e.notBefore, lease: e.lease });
    await s.dead([e], 'rejected', []);
    const dl = await s.deadLetters('n1');
    assert.deepStrictEqual(dl.map((x) => x.key), ['progress:HS1', 'progress:HS2']);
    assert.ok(dl[0].deadAt >= dl[0].createdAt);
    assert.strictEqual(await s.replay('n1'), 2);
    assert.deepStrictEqual((await s.history('HS1')).map((x) => [x.event, x.key]), [['accepted', 'progress:HS1'], ['rejected', 'progress:HS1'], ['replayed', 'progress:HS1']],
      'journalled from the migration on; the acceptance is the entry\'s own');
    // A later instance finds version 3 and changes nothing.
    assert.strictEqual((await store().counts('n1')).waiting, 2);
    assert.deepStrictEqual(await one(`SELECT version FROM btxh."${table}_schema"`), [{ version: 9 }]);
  });

  it('refuses tables written by a newer schema version', async function () {
    await store().counts('n1');
    await sql.query(`UPDATE btxh.${table}_schema SET version = 99`);
    const err = await store().counts('n1').then(() => null, (e) => e);
    assert.ok(err);
    assert.strictEqual(err.problem.code, 'outboxSchema');
    assert.strictEqual(err.problem.params.found, 99);
  });
});
