'use strict';
// Issues 5 (g) and 8: three Node-RED processes run the same flow on one
// PostgreSQL outbox (as a scaled-out deployment would), with every delivery
// setting as shipped; instances are SIGKILLed and restarted while records pour
// in, or frozen (SIGSTOP) past their lease while sending. Every accepted record
// reaches BTXH, and no key is ever in two requests the server is handling at
// the same time (a watching proxy in front of the sandbox checks every request).
//
// The lease is 5 minutes as shipped. Rather than wait them out, a test moves the
// lease_until of one instance's claims (their fencing tokens name host/pid) into
// the past: the database's clock is the lease's clock, so this is exactly what
// 5 minutes would do to those rows, and to no other instance's.
const assert = require('assert');
const pg = require('./support/postgres');
const { createSandbox } = require('../sandbox/server');
const { redProcess, feedFlow, until, sleep } = require('./support/red-process');
const { watchProxy } = require('./support/watch-proxy');
const { dossier } = require('./support/records');
const { Client } = require('pg');

const range = (from, n) => Array.from({ length: n }, (_, k) => from + k);
const mahoso = (i) => dossier(i).MaHoSo;

describe('the watching proxy of the PostgreSQL fault test', function () {
  it('sees a key carried by two requests at once, and not by two in a row', async function () {
    const sandbox = await createSandbox({ port: 0 });
    const proxy = await watchProxy(sandbox.url);
    try {
      sandbox.faults({ latencyMs: 100 });
      const post = (body) => fetch(`${proxy.url}/api/v1/Service/DongBoDVC`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.text());
      await post([{ MaHoSo: 'A' }]);
      await post([{ MaHoSo: 'A' }]);
      assert.deepStrictEqual(proxy.overlaps, [], 'one after the other is no overlap');
      await Promise.all([post([{ MaHoSo: 'B' }, { MaHoSo: 'C' }]), post([{ MaHoSo: 'C' }])]);
      assert.deepStrictEqual(proxy.overlaps.map((o) => o.key), ['C']);
    } finally {
      await proxy.close();
      await sandbox.close();
    }
  });
});

describe('fault injection: three Node-RED instances on one PostgreSQL outbox, with kills', function () {
  this.timeout(300_000);
  const KILLS = Number(process.env.FAULT_PG_KILLS || 6);
  let server;
  let sandbox;
  let proxy;
  const reds = [];

  before(async function () {
    this.timeout(120_000);
    server = await pg.startOrSkip(this);
    sandbox = await createSandbox({ port: 0 });
    proxy = await watchProxy(sandbox.url);
    // Same flow, same node ids (one owner) in three user directories.
    const flow = feedFlow({ sandboxUrl: proxy.url, auth: { queue: 'postgres' } });
    for (let i = 0; i < 3; i++) {
      reds.push(await redProcess({ name: `pg${i}`, flow, creds: { auth: { username: 'demo', password: 'demo', pgConnection: server.connectionString } } }));
    }
    // One at a time: the first creates the tables; starting three at once on 2 cores only slows each.
    for (const r of reds) await r.start();
  });

  after(async function () {
    for (const r of reds) {
      if (this.currentTest?.state === 'failed' || process.env.SHOW_RED_LOG) console.log(r.tail(2000));
      await r.destroy();
    }
    if (proxy) await proxy.close();
    if (sandbox) await sandbox.close();
    if (server) server.stop();
  });

  /** Runs `sql` on the shared outbox. */
  const query = async (sql, args) => {
    const c = new Client({ connectionString: server.connectionString });
    await c.connect();
    try {
      return (await c.query(sql, args)).rows;
    } finally {
      await c.end();
    }
  };
  const HELD_BY = `split_part(lease_token, '/', 2) = $1`;
  /** Ends the leases held by process `pid` now, as 5 minutes would; the ids of those entries. */
  const passLease = async (pid) =>
    (await query(`UPDATE btxh.outbox SET lease_until = now() - interval '1 second' WHERE ${HELD_BY} AND lease_until IS NOT NULL RETURNING id`, [String(pid)])).map((r) => Number(r.id));

  it(`(g) ${KILLS} kills across 3 instances: every accepted record delivered, never two concurrent sends of one key`, async function () {
    sandbox.faults({ latencyMs: 30 });
    const accepted = new Set();
    const kills = [];
    let next = 1;
    let stop = false;
    const feeders = reds.map(async (red) => {
      while (!stop) {
        if (!red.running) {
          await sleep(100);
          continue;
        }
        // dossier(i) makes valid MaHoSo for i < 10,000: stop feeding there (test (h) uses its own).
        if (next + 20 > 9999) {
          await sleep(100);
          continue;
        }
        const ids = range(next, 20);
        next += 20;
        try {
          const r = await red.feed(ids.map((i) => dossier(i)), 10_000);
          if (r.status === 200) for (const i of ids) accepted.add(mahoso(i));
        } catch {
          /* cut by a kill: never acknowledged */
        }
      }
    });
    let seed = Number(process.env.FAULT_SEED || Date.now() % 1e9);
    console.log(`      seed ${seed}`);
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let k = 0; k < KILLS; k++) {
      await sleep(700 + Math.floor(random() * 1500));
      const red = reds[Math.floor(random() * reds.length)];
      const start = Date.now();
      const pid = red.pid;
      await red.kill('SIGKILL');
      await passLease(pid);
      kills.push({ start, end: Date.now(), who: red.dir });
      await red.start();
    }
    stop = true;
    await Promise.all(feeders);
    await until(async () => {
      const st = await reds[0].control('status');
      return st.waiting === 0 && st.inflight === 0;
    }, { what: 'the shared outbox to drain', timeoutMs: 120_000 });
    const st = await reds[0].control('status');

    assert.ok(accepted.size > 300, `records were accepted (${accepted.size})`);
    assert.strictEqual(kills.length, KILLS);
    const got = new Map();
    for (const r of sandbox.records('dossier')) {
      if (!got.has(r.record.MaHoSo)) got.set(r.record.MaHoSo, []);
      got.get(r.record.MaHoSo).push(r);
    }
    const lost = [...accepted].filter((m) => !got.has(m));
    assert.deepStrictEqual(lost, [], 'every accepted record reached BTXH');
    assert.strictEqual(st.dead, 0);
    assert.deepStrictEqual(reds.flatMap((r) => r.readEvents().filter((e) => e.out === 2)), [], 'nothing on output 2 (no invalid input either)');
    assert.deepStrictEqual(proxy.overlaps, [], 'no key was ever in two requests at once');
    // A second receipt only after a kill: the killed instance's request reached
    // BTXH but its "delivered" never reached the outbox; another took it over.
    let dup = 0;
    for (const [m, list] of got) {
      for (let i = 1; i < list.length; i++) {
        dup++;
        const a = Date.parse(list[i - 1].at);
        const b = Date.parse(list[i].at);
        assert.ok(kills.some((k) => a <= k.end + 500 && b >= k.start), `${m} received twice with no kill in between`);
      }
    }
    // The work really was shared: each instance delivered something.
    const pids = reds.map((r) => new Set(r.readEvents().filter((e) => e.out === 1).map((e) => e.pid)).size);
    assert.ok(pids.every((n) => n > 0), `each instance delivered (${pids})`);
    console.log(`      ${KILLS} kills, ${accepted.size} accepted, ${got.size} at BTXH, ${dup} duplicate receipts, ${proxy.requests} requests watched`);
  });
  it('(h) an instance frozen (SIGSTOP) past its lease while sending: the others take over, its late writes are fenced, never two concurrent sends of one key', async function () {
    const mine = (i) => `000.00.18.H26-2512-${String(i).padStart(6, '0')}`;
    const ids = range(50001, 3000);
    const overlapsBefore = proxy.overlaps.length;
    // 1.5 s per request: each instance has two batches on the wire most of the time.
    sandbox.faults({ latencyMs: 1500 });
    for (let i = 0; i < ids.length; i += 250) {
      const r = await reds[i / 250 % 3].feed(ids.slice(i, i + 250).map((n) => dossier(n % 10000, { MaHoSo: mine(n) })));
      assert.strictEqual(r.status, 200);
    }
    const frozen = reds[1];
    const pid = frozen.pid;
    await until(async () => (await query(`SELECT count(*)::int AS n FROM btxh.outbox WHERE ${HELD_BY} AND state = 'inflight'`, [String(pid)]))[0].n > 0, { what: 'the instance to hold records' });
    frozen.signal('SIGSTOP');
    // Frozen past its lease means past any request it had on the wire too (the lease, 5 min,
    // is ten times the request timeout): let the server finish those before the lease ends.
    await sleep(1500 + 1000);
    const held = await passLease(pid);
    assert.ok(held.length > 0, 'the frozen instance held records when its lease ran out');
    // The others take them over and send them; then the frozen one wakes in the middle of it.
    await until(async () => (await query(`SELECT count(*)::int AS n FROM btxh.outbox WHERE id = ANY($1) AND lease_token IS NOT NULL AND NOT ${HELD_BY.replace('$1', '$2')}`, [held, String(pid)]))[0].n > 0, { what: 'a takeover' });
    await sleep(500);
    frozen.signal('SIGCONT');
    await until(async () => {
      const st = await reds[0].control('status');
      return st.waiting === 0 && st.inflight === 0;
    }, { what: 'drained after the freeze', timeoutMs: 180_000 });
    sandbox.faults({});

    const got = new Set(sandbox.records('dossier').map((r) => r.record.MaHoSo));
    const lost = ids.map(mine).filter((m) => !got.has(m));
    assert.deepStrictEqual(lost, [], 'every accepted record reached BTXH');
    assert.deepStrictEqual(proxy.overlaps.slice(overlapsBefore), [], 'no key was ever in two requests at once');
    assert.match(frozen.tail(20_000), /taken over by another claim/, 'the woken instance logged its fenced writes');
    assert.deepStrictEqual(reds.flatMap((r) => r.readEvents().filter((e) => e.out === 2)), [], 'nothing on output 2');
  });
});
