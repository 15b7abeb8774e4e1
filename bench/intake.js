#!/usr/bin/env node
'use strict';
/**
 * End to end, side by side in one run, against the same BTXH sandbox in a
 * child process on loopback (it validates every record, as BTXH would):
 *
 * - the project: btxh-dossier in a real Node-RED process,
 *   every delivery setting as shipped, the memory queue and the SQLite queue
 *   (synchronous=FULL), fed one message of N messy records (a query node's result)
 *   and N messages of one record (a split node's);
 * - a hand-wired core flow: a function node that builds the request and an
 *   http request node, one request per record, two in flight;
 * - a raw HTTP loop: records already in wire form, batches of 50, two in flight,
 *   keep-alive: the floor of any overhead.
 *
 * Node-RED runs as its own process (test/support/red-process.js) with bench/support/probe.js
 * preloaded, which hands the input to the node and measures the process from inside.
 * For each: records/s from the first input to the last record at the sandbox, the
 * longest event-loop delay of the Node-RED process (perf_hooks.monitorEventLoopDelay)
 * and its peak RSS growth over what it was before the input was handed over.
 * The input is made (as a query node reads its rows) once Node-RED has settled, or at once with
 * --at-once (bench/support/settle.js: why it matters for memory).
 * Not a test: `npm run build`, then `node bench/intake.js [--at-once] [N, default 100000] [scenario…]`.
 */
const { spawn } = require('child_process');
const fs = require('fs');
const http = require('http');
const { machine } = require('./support/machine');
const path = require('path');
const { redProcess } = require('../test/support/red-process');
const messy = require('../test/support/messy');
const { prepare } = require('../lib/normalise');
const { operation } = require('../lib/fields');

const { settle, when, args } = require('./support/settle');

const N = Number(args()[0] || 100_000);
const only = args().slice(1);
const op = operation('dossier');
const CREDS = { username: 'demo', password: 'demo-secret-pw' };

async function sandbox() {
  const child = spawn(process.execPath, [path.join(__dirname, '../sandbox/cli.js'), '--port', '0', '--quiet', '--username', CREDS.username, '--password', CREDS.password], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    child.stdout.once('data', (d) => resolve(String(d).trim().split('\n')[0]));
    child.once('exit', (c) => reject(new Error(`sandbox exited ${c}`)));
  });
  return { url, child };
}

function request(url, { method = 'GET', body, headers = {}, agent } = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request(url, { method, agent, headers: { ...(data ? { 'content-type': 'application/json', 'content-length': data.length } : {}), ...headers } }, (res) => {
      const parts = [];
      res.on('data', (c) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(Buffer.concat(parts).toString('utf8') || 'null') }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

const received = async (sb) => (await request(`${sb.url}/_sandbox/records?op=dossier&limit=1`)).body.counts.dossier ?? 0;
const reset = (sb) => request(`${sb.url}/_sandbox/reset`, { method: 'POST' });
const token = async (sb) => (await request(`${sb.url}/api/v1/Service/GetToken`, { method: 'POST', body: CREDS })).body.token;

const ready = [
  { id: 'readyIn', type: 'http in', z: 'f1', url: '/ready', method: 'get', upload: false, wires: [['readyOut']] },
  { id: 'readyOut', type: 'http response', z: 'f1', statusCode: '200', headers: {}, wires: [] },
];

/** A real Node-RED process with the probe preloaded, running `flow`; `go` is handed to the probe. */
async function inRed(sb, flow, go) {
  const red = await redProcess({ flow: [{ id: 'f1', type: 'tab', label: 'bench' }, ...ready, ...flow], creds: { auth: CREDS }, name: 'bench', nodeArgs: ['--expose-gc', '-r', path.join(__dirname, 'support/probe.js')] });
  await red.start();
  await settle();
  const port = Number(fs.readFileSync(path.join(red.dir, 'probe.port'), 'utf8'));
  const t0 = process.hrtime.bigint();
  const r = await request(`http://127.0.0.1:${port}/run`, { method: 'POST', body: go });
  if (r.status !== 200) throw new Error(`${JSON.stringify(r.body)}\n${red.tail(4000)}`);
  while ((await received(sb)) < go.n) await new Promise((res) => setTimeout(res, 50));
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const m = (await request(`http://127.0.0.1:${port}/result`)).body;
  await red.destroy();
  return { rate: go.n / s, seconds: s, ...m };
}

function project(sb, queue, shape) {
  const flow = [
    { id: 'auth', type: 'btxh-auth', name: 'sandbox', baseUrl: sb.url, mode: 'token', queue },
    { id: 'sync', z: 'f1', type: 'btxh-dossier', auth: 'auth', version: 2, wires: [[], []] },
  ];
  return inRed(sb, flow, { node: 'sync', shape, n: N, records: 'messy' });
}

/** What an integrator wires by hand: the record as a one-element array, the token in a header, one request per record, paced by a Complete node. */
async function coreFlow(sb) {
  const t = await token(sb);
  const flow = [
    { id: 'fn', z: 'f1', type: 'function', func: `msg.headers = { AccessKey: ${JSON.stringify(t)}, 'Content-Type': 'application/json' };\nmsg.payload = [msg.payload];\nreturn msg;`, outputs: 1, wires: [['req']] },
    { id: 'req', z: 'f1', type: 'http request', method: 'POST', ret: 'obj', url: `${sb.url}/api/v1/Service/DongBoDVC`, wires: [[]] },
    { id: 'done', z: 'f1', type: 'complete', scope: ['req'], uncaught: false, wires: [[]] },
  ];
  // At most 20,000: one request per record is slow, and its rate is what is compared.
  return inRed(sb, flow, { node: 'fn', shape: 'paced', paceBy: 'done', n: Math.min(N, 20_000), records: 'wire' });
}

async function rawLoop(sb) {
  const t = await token(sb);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
  const records = Array.from({ length: N }, (_, i) => wire(i));
  const t0 = process.hrtime.bigint();
  let next = 0;
  const lane = async () => {
    while (next < N) {
      const batch = records.slice(next, (next += 50));
      const r = await request(`${sb.url}/api/v1/Service/DongBoDVC`, { method: 'POST', body: batch, headers: { AccessKey: t }, agent });
      if (r.status !== 200 || r.body.error_code !== 0) throw new Error(JSON.stringify(r.body).slice(0, 200));
    }
  };
  await Promise.all([lane(), lane()]);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  return { rate: N / s, seconds: s };
}

function wire(i) {
  const p = prepare(op, messy.dossier(i));
  if (!p.record) throw new Error(JSON.stringify(p.errors));
  return p.record;
}

(async () => {
  const sb = await sandbox();
  // Stopped by hand or by a timeout: exit through 'exit', where red-process.js kills the Node-RED children it started.
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => {
    sb.child.kill('SIGKILL');
    process.exit(130);
  });
  const rows = [];
  const scenarios = [
    ['raw HTTP loop (wire records, batches of 50, 2 in flight)', () => rawLoop(sb)],
    ['project, memory queue, one message of N', () => project(sb, 'memory', 'array')],
    ['project, SQLite FULL, one message of N', () => project(sb, 'sqlite', 'array')],
    ['project, memory queue, N messages of 1 (split)', () => project(sb, 'memory', 'split')],
    ['project, SQLite FULL, N messages of 1 (split)', () => project(sb, 'sqlite', 'split')],
    ['hand-wired core flow (function + http request, 1 per request, 2 in flight)', () => coreFlow(sb)],
  ].filter(([name]) => !only.length || only.some((o) => name.includes(o)));
  for (const [name, run] of scenarios) {
    await reset(sb);
    rows.push([name, await run()]);
    process.stderr.write(`${name}: ${Math.round(rows[rows.length - 1][1].rate)}/s\n`);
  }
  sb.child.kill();
  const raw = rows.find(([n]) => n.startsWith('raw'))?.[1].rate;
  const core = rows.find(([n]) => n.startsWith('hand-wired'))?.[1].rate;
  console.log(`end to end, ${N.toLocaleString('en')} dossiers, sandbox in a child process, input made ${when} — ${machine()}`);
  console.log('| run | records/s | × raw loop | × core flow | longest event-loop delay | peak RSS growth | peak heap growth | held after a full GC |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const [name, r] of rows) {
    const ms = (v, u) => (v === undefined ? '—' : `${v.toFixed(0)} ${u}`);
    console.log(`| ${name} | ${Math.round(r.rate).toLocaleString('en')} | ${raw ? (r.rate / raw).toFixed(2) : '—'} | ${core ? (r.rate / core).toFixed(1) : '—'} | ${ms(r.maxDelayMs, 'ms')} | ${ms(r.rssMB, 'MB')} | ${ms(r.heapMB, 'MB')} | ${ms(r.liveMB, 'MB')} |`);
  }
  process.exit(0);
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
