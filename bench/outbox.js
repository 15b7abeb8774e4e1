#!/usr/bin/env node
'use strict';
/**
 * Speed of the outbox: how fast records are accepted (enqueue, committed) and
 * how fast a Sender drains them to the BTXH sandbox, for SQLite with
 * synchronous=FULL and NORMAL and for PostgreSQL (a throwaway server from
 * test/support/postgres.js, with fsync switched back ON so it is comparable).
 * Not a test: build first (`npx tsc -p .`), then `node bench/outbox.js`
 * [records, default 100000]. Prints a table and the machine; writes only
 * temp files, removed at the end.
 *
 * - enqueue/100 and /500: messages of 100 (then 500) records, one commit each (a page
 *   of dossiers; the sync node's group commits hold up to 1,000); enqueue/1: one
 *   record per message, one commit each (a flow that feeds record by record),
 *   measured on 2,000 messages.
 * - the memory queue too, on as many records as it holds as shipped (50,000): the
 *   last column is each store's drain time per record over the memory queue's.
 * - SQLite as createStore makes it (on a thread of its own, lib/outbox/thread.ts) and,
 *   beside it, the same store on the calling thread.
 * - drain: a Sender (batch 50, concurrency 2, the node defaults) with the real
 *   Connection over loopback to the sandbox in this same process (which also
 *   validates every record: the figure is for the pair, on one event loop).
 */
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const { machine } = require('./support/machine');
const path = require('path');
const { createSandbox } = require('../sandbox/server');
const { Connection } = require('../lib/client');
const { Sender } = require('../lib/engine');
const { createStore } = require('../lib/outbox');
const { SqliteStore } = require('../lib/outbox/sqlite');
const { MEMORY_CAPACITY } = require('../lib/outbox/memory');
const { operation } = require('../lib/fields');
const { prepare } = require('../lib/normalise');
const { dossier } = require('../test/support/records');
const pg = require('../test/support/postgres');

const N = Number(process.argv[2] || 100_000);
const SINGLE = Math.min(2000, N);
const op = operation('dossier');

function wire(i) {
  const p = prepare(op, dossier(i % 10000, { MaHoSo: `000.00.18.H26-2511-${String(i).padStart(6, '0')}` }), { strict: false });
  if (!p.record) throw new Error(JSON.stringify(p.errors));
  return p.record;
}

async function run(name, store, sandbox, records) {
  const owner = `bench-${name}`;
  const conn = new Connection({ baseUrl: sandbox.url, mode: 'token', username: 'demo', password: 'demo', timeoutMs: 30_000, tokenLifetimeMs: 30 * 60_000, bodyShape: 'array' });
  const sender = new Sender({
    store, owner, op, // batch 50, concurrency 2: the shipped defaults
    send: (r) => conn.send(op.api, r),
  });
  const entries = records.map((r) => sender.entry(r));

  // enqueue, one record per commit (sampled)
  let t = process.hrtime.bigint();
  for (let i = 0; i < SINGLE; i++) await store.enqueue([entries[i]]);
  const single = SINGLE / (Number(process.hrtime.bigint() - t) / 1e9);
  // enqueue, 100 records per commit (half the rest), then 500 per commit (the other half)
  const mid = SINGLE + Math.floor((entries.length - SINGLE) / 2);
  t = process.hrtime.bigint();
  for (let i = SINGLE; i < mid; i += 100) await store.enqueue(entries.slice(i, Math.min(i + 100, mid)));
  const hundred = (mid - SINGLE) / (Number(process.hrtime.bigint() - t) / 1e9);
  t = process.hrtime.bigint();
  for (let i = mid; i < entries.length; i += 500) await store.enqueue(entries.slice(i, i + 500));
  const five = (entries.length - mid) / (Number(process.hrtime.bigint() - t) / 1e9);

  // drain all N
  let delivered = 0;
  let dead = 0;
  const done = new Promise((resolve) => {
    sender.on('delivered', (list) => {
      delivered += list.length;
      if (delivered + dead >= entries.length) resolve();
    });
    sender.on('dead', () => {
      dead += 1;
      if (delivered + dead >= entries.length) resolve();
    });
  });
  t = process.hrtime.bigint();
  sender.start();
  await done;
  const drainS = Number(process.hrtime.bigint() - t) / 1e9;
  await sender.stop();
  conn.close();
  if (dead) throw new Error(`${name}: ${dead} dead letters`);
  const got = sandbox.counts().dossier;
  sandbox.reset();
  return { name, single, hundred, five, drain: delivered / drainS, drainS, got, n: entries.length };
}

async function main() {
  console.log(`outbox bench: ${N} records\nmachine: ${machine()}, ${os.platform()} ${os.release()}, temp dir ${os.tmpdir()}\n`);
  const records = Array.from({ length: N }, (_, i) => wire(i + 1));
  const sandbox = await createSandbox({ port: 0, strict: false });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'btxh-bench-'));
  const rows = [];
  let server;
  try {
    // The memory queue as shipped holds MEMORY_CAPACITY records: it is measured on that many.
    const memory = createStore('memory');
    rows.push(await run('memory', memory, sandbox, records.slice(0, MEMORY_CAPACITY)));
    console.error('done: memory');
    for (const sync of ['FULL', 'NORMAL']) {
      const store = createStore('sqlite', { file: path.join(dir, `outbox-${sync}.sqlite`), synchronous: sync });
      rows.push(await run(`SQLite ${sync}`, store, sandbox, records));
      await store.close();
      console.error(`done: SQLite ${sync}`);
    }
    // Beside it, the same store on Node-RED's own thread (what createStore made before ThreadStore).
    const same = new SqliteStore({ file: path.join(dir, 'outbox-same-thread.sqlite') });
    rows.push(await run('SQLite FULL, same thread', same, sandbox, records));
    await same.close();
    const a = pg.available();
    if (!a.ok) {
      console.log(`PostgreSQL skipped: ${a.why}`);
    } else {
      server = await pg.start(a.bin);
      // The throwaway server runs with fsync=off (command line, which ALTER SYSTEM
      // cannot override): restart it with fsync on so the figure is comparable.
      const data = path.join(server.socketDir, 'data');
      const opts = `-p ${server.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${server.socketDir} -c fsync=on -c max_connections=50`;
      const argv = [path.join(a.bin, 'pg_ctl'), '-D', data, '-o', opts, '-l', path.join(server.socketDir, 'server.log'), '-w', '-t', '60', 'restart'];
      const root = process.getuid && process.getuid() === 0;
      const r = spawnSync(root ? 'runuser' : argv[0], root ? ['-u', 'postgres', '--', ...argv] : argv.slice(1), { encoding: 'utf8', cwd: server.socketDir });
      if (r.status !== 0) throw new Error(`pg_ctl restart failed: ${r.stderr}${r.stdout}`);
      const { Client } = require('pg');
      const c = new Client({ connectionString: server.connectionString });
      await c.connect();
      const fsync = (await c.query('SHOW fsync')).rows[0].fsync;
      const sc = (await c.query('SHOW synchronous_commit')).rows[0].synchronous_commit;
      await c.end();
      const store = createStore('postgres', { connectionString: server.connectionString });
      rows.push(await run(`PostgreSQL (fsync ${fsync}, synchronous_commit ${sc})`, store, sandbox, records));
      await store.close();
    }
  } finally {
    await sandbox.close();
    if (server) server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const w = Math.max(...rows.map((r) => r.name.length));
  const fmt = (n) => Math.round(n).toLocaleString('en-US').padStart(12);
  const mem = rows.find((r) => r.name === 'memory');
  console.log(`${'store'.padEnd(w)} | enqueue/1 rec/s | enqueue/100 rec/s | enqueue/500 rec/s | drain rec/s | drain time per record × memory`);
  console.log(`${'-'.repeat(w)} | --------------- | ----------------- | ----------------- | ----------- | ------------------------------`);
  for (const r of rows) {
    const ratio = mem ? (mem.drain / r.drain).toFixed(2) : '—';
    console.log(`${r.name.padEnd(w)} | ${fmt(r.single).padStart(15)} | ${fmt(r.hundred).padStart(17)} | ${fmt(r.five).padStart(17)} | ${fmt(r.drain).padStart(11)} | ${ratio.padStart(30)}`);
    if (r.got !== r.n) console.log(`  !! the sandbox stored ${r.got}, expected ${r.n}`);
  }
  console.log(`(memory: ${Math.min(N, MEMORY_CAPACITY).toLocaleString('en-US')} records, the queue's shipped capacity)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
