'use strict';
// Issue 5 (g): three Node-RED processes run the same flow on one PostgreSQL
// outbox (as a scaled-out deployment would), instances are SIGKILLed and
// restarted while records pour in. Every accepted record reaches BTXH, and no
// key is ever in two requests the server is handling at the same time (a
// watching proxy in front of the sandbox checks every request).
const assert = require('assert');
const pg = require('./support/postgres');
const { createSandbox } = require('../sandbox/server');
const { redProcess, feedFlow, until, sleep } = require('./support/red-process');
const { watchProxy } = require('./support/watch-proxy');
const { dossier } = require('./support/records');

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
    // Same flow, same node ids (one owner) in three user directories. A lease of
    // 3 s: what a killed instance held is taken over by another 3 s later.
    const flow = feedFlow({
      sandboxUrl: proxy.url,
      auth: { queue: 'postgres', timeout: 2 },
      sync: { batchSize: 20, concurrency: 2, attempts: 50, backoffBase: 50, backoffMax: 500, lease: 3 },
    });
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
        // dossier(i) makes valid MaHoSo for i < 10,000: stop feeding there.
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
      await red.kill('SIGKILL');
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
});
