#!/usr/bin/env node
'use strict';
/**
 * A province's backfill, as an integrator runs it (issue 13): the PostgreSQL example
 * flow (examples/database/postgresql.json), set up only as its comment says
 * (MOTCUA_PG_URL, `npm install pg`, the BTXH address), in a real Node-RED process,
 * against a throwaway PostgreSQL seeded with N dossiers of 2024 in the typical
 * one-stop schema and the sandbox in a child process. The "backfill 2024" inject is
 * pressed through the admin API, as the editor's button does; every delivery and
 * source setting is as shipped (pages of 500, SQLite outbox with synchronous=FULL).
 *
 * The button is pressed once Node-RED has settled, or at once with --at-once (bench/support/settle.js:
 * why it matters for memory).
 *
 * Reported for each N: rows/s from the press to the last dossier at the sandbox, the
 * peak RSS growth of the Node-RED process over what it was before the press (and what a
 * full garbage collection at the end leaves of its heap's growth: held, not garbage), and its
 * longest event-loop delay (bench/support/probe.js, preloaded, measures from inside).
 * Not a test: `npm run build`, then `node bench/backfill.js [--at-once] [N…, default 100000 1000000]`.
 */
const { spawn } = require('child_process');
const fs = require('fs');
const http = require('http');
const path = require('path');
const { machine } = require('./support/machine');
const { redProcess } = require('../test/support/red-process');
const postgres = require('../test/support/postgres');
const onestop = require('../test/support/onestop');
const { settle, when, args } = require('./support/settle');

const SIZES = args().map(Number).filter((n) => n > 0);
if (!SIZES.length) SIZES.push(100_000, 1_000_000);

function request(url, { method = 'GET', body } = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request(url, { method, headers: data ? { 'content-type': 'application/json', 'content-length': data.length } : {} }, (res) => {
      const parts = [];
      res.on('data', (c) => parts.push(c));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        let body = text;
        try {
          body = JSON.parse(text || 'null');
        } catch {
          /* a plain answer (the inject button's "OK") */
        }
        resolve({ status: res.statusCode, body });
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}

async function sandbox() {
  const child = spawn(process.execPath, ['--max-old-space-size=8192', path.join(__dirname, '../sandbox/cli.js'), '--port', '0', '--quiet'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    child.stdout.once('data', (d) => resolve(String(d).trim().split('\n')[0]));
    child.once('exit', (c) => reject(new Error(`sandbox exited ${c}`)));
  });
  return { url, child };
}

/** N dossiers of 2024 in one statement: four share each received time, 30 s apart (the columns of test/support/onestop.js). */
async function seed(c, n) {
  await c.query('DROP TABLE IF EXISTS "QuaTrinhXuLyHoSo", "HoSo", "CanBo"');
  for (const s of onestop.ddl('postgres')) await c.query(s);
  const sample = onestop.dossier(1);
  await c.query(`INSERT INTO "HoSo" SELECT i,
      '000.00.18.H26-24-' || lpad(i::text, 7, '0'), (ARRAY['1.001776','1.001758','1.001753','1.001731','2.000744','2.000751'])[1 + i % 6],
      (ARRAY['Nguyễn Thị Hoa','Lò Văn Páo','Trần Văn Bảy','Phạm Thị Lan','Vàng Thị Mỷ','Đinh Văn Thắng','Hà Thị Nguyệt','Lê Quang Vinh'])[1 + i % 8],
      '001' || (i % 2) || '48' || lpad((i % 1000000)::text, 6, '0'), lpad((1 + i % 27)::text, 2, '0') || '/03/1948', 'Số ' || (1 + i % 90) || ' ngõ 34 Trúc Bạch',
      '01', '01.001', '01.001.' || (ARRAY['00001','00004','00006','00007','00008'])[1 + i % 5],
      timestamp '2024-01-02 08:00:00' + ((i - 1) / 4) * interval '30 seconds', '1', '001' || (i % 2) || '48' || lpad((i % 1000000)::text, 6, '0'),
      $1, '', NULL, NULL, NULL, NULL
    FROM generate_series(1, $2::int) AS i`, [sample.EformData, n]);
  await c.query('ANALYZE "HoSo"');
}

async function backfill(sb, pg, url, n) {
  await request(`${sb.url}/_sandbox/reset`, { method: 'POST' });
  await seed(pg, n);
  const flow = JSON.parse(fs.readFileSync(path.join(__dirname, '../examples/database/postgresql.json'), 'utf8'));
  const auth = flow.find((x) => x.type === 'btxh-auth');
  auth.baseUrl = sb.url;
  const creds = { [auth.id]: auth.credentials };
  delete auth.credentials;
  const tab = flow.find((x) => x.type === 'tab');
  flow.push(
    { id: 'readyIn', z: tab.id, type: 'http in', url: '/ready', method: 'get', x: 0, y: 0, wires: [['readyOut']] },
    { id: 'readyOut', z: tab.id, type: 'http response', statusCode: '200', x: 0, y: 0, wires: [] },
  );
  const red = await redProcess({
    name: 'bench-backfill', flow, creds, editor: true,
    env: { TZ: 'Asia/Ho_Chi_Minh', MOTCUA_PG_URL: url },
    nodeArgs: ['--expose-gc', '-r', path.join(__dirname, 'support/probe.js')],
  });
  // `npm install pg` in the user directory, as the example's comment says.
  fs.writeFileSync(path.join(red.dir, 'package.json'), JSON.stringify({ name: 'node-red-project', private: true, dependencies: { pg: '*' } }));
  fs.symlinkSync(path.dirname(require.resolve('pg/package.json')), path.join(red.dir, 'node_modules', 'pg'), 'dir');
  await red.start();
  try {
    await settle();
    const probe = Number(fs.readFileSync(path.join(red.dir, 'probe.port'), 'utf8'));
    const press = flow.find((x) => x.type === 'inject' && x.name.startsWith('đồng bộ lùi'));
    await request(`http://127.0.0.1:${probe}/run`, { method: 'POST', body: {} });
    const t0 = process.hrtime.bigint();
    const r = await request(`http://127.0.0.1:${red.port}/inject/${press.id}`, { method: 'POST' });
    if (r.status !== 200) throw new Error(`inject: HTTP ${r.status}`);
    for (;;) {
      const got = (await request(`${sb.url}/_sandbox/records?op=dossier&limit=1`)).body.counts.dossier ?? 0;
      if (got >= n) break;
      await new Promise((res) => setTimeout(res, 200));
    }
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    const m = (await request(`http://127.0.0.1:${probe}/result`)).body;
    return { n, rate: n / s, seconds: s, ...m };
  } finally {
    await red.destroy();
  }
}

(async () => {
  const server = await postgres.start();
  const sb = await sandbox();
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => {
    sb.child.kill('SIGKILL');
    server.stop();
    process.exit(130);
  });
  const url = await postgres.database(server);
  const { Client } = require('pg');
  const pg = new Client({ connectionString: url });
  await pg.connect();
  const rows = [];
  try {
    for (const n of SIZES) {
      rows.push(await backfill(sb, pg, url, n));
      process.stderr.write(`${n}: ${Math.round(rows[rows.length - 1].rate)}/s\n`);
    }
  } finally {
    await pg.end();
    sb.child.kill();
    server.stop();
  }
  console.log(`backfill from PostgreSQL through examples/database/postgresql.json, settings as shipped, pressed ${when} — ${machine()}`);
  console.log('| rows | rows/s | time | peak RSS growth | of which V8 heap | held after a full GC | longest event-loop delay |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(`| ${r.n.toLocaleString('en')} | ${Math.round(r.rate).toLocaleString('en')} | ${r.seconds.toFixed(0)} s | ${r.rssMB.toFixed(0)} MB | ${r.heapMB.toFixed(0)} MB | ${r.liveMB.toFixed(0)} MB | ${r.maxDelayMs.toFixed(0)} ms |`);
  }
  process.exit(0);
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
