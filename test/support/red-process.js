'use strict';
// A real Node-RED process for the fault-injection tests: node-red/red.js as a
// child in its own process group, a temp user directory with this package
// symlinked into node_modules (as scripts/demo.js does), flows.json and a
// plain flows_cred.json (credentialSecret: false: test credentials only).
//
// The flow (see `feedFlow`) makes "accepted" observable over HTTP:
//   POST /feed (JSON array) -> btxh-dossier
//   complete(btxh-dossier)  -> http response 200 {accepted: n}
//   catch(btxh-dossier)     -> http response 500 {error}
// so a 200 means the node called done() for that message, i.e. after the
// outbox committed it. Output events, caught errors and status changes are
// appended as JSON lines to <userDir>/events.jsonl by a synchronous function
// (functionGlobalContext.note) so a SIGKILL loses at most the line being written.
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { freePort, request } = require('./net');

const ROOT = path.join(__dirname, '..', '..');
const RED_JS = require.resolve('node-red/red.js');
/** Every child started here, so an exiting test run can kill what a failed after hook missed. */
const live = new Set();

process.on('exit', () => {
  for (const p of live) {
    try {
      process.kill(-p.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * The test flow. `sync` = properties of the btxh-dossier node, `auth` = of the
 * btxh-auth node (queue, queueFile…). Node ids are fixed: several processes
 * running this flow share one owner, as instances of one deployed flow do.
 */
function feedFlow({ sandboxUrl, auth = {}, sync = {} }) {
  const z = 'tab1';
  const pos = { z, x: 100, y: 100 };
  const note = (expr) => `global.get('note')(${expr});`;
  return [
    { id: z, type: 'tab', label: 'fault' },
    {
      id: 'auth', type: 'btxh-auth', name: 'sandbox', baseUrl: sandboxUrl, mode: 'token',
      bodyShape: 'array', queue: 'sqlite', ethnicityCode: 'id', codeSet: 'pre-2025', district2025: 'old', strict: false, ...auth,
    },
    { id: 'feed', type: 'http in', url: '/feed', method: 'post', upload: false, ...pos, wires: [['sync']] },
    { id: 'ctlIn', type: 'http in', url: '/control', method: 'post', upload: false, ...pos, wires: [['ctl']] },
    {
      id: 'ctl', type: 'function', ...pos, outputs: 1,
      func: 'msg.topic = msg.payload.topic; msg.payload = msg.payload.payload; return msg;', wires: [['sync']],
    },
    {
      id: 'sync', type: 'btxh-dossier', name: '', auth: 'auth', version: 2,
      ...pos, ...sync, wires: [['out1'], ['out2']],
    },
    {
      // Output 1: delivered batches are noted; answers to control messages go back to the HTTP caller.
      id: 'out1', type: 'function', ...pos, outputs: 2,
      func: `if (msg.topic === 'status' || msg.topic === 'replay') return [null, msg];
${note("JSON.stringify({ out: 1, keys: msg.btxh.keys, attempts: msg.btxh.attempts, pid: global.get('pid') })")}
return null;`,
      wires: [[], ['resp']],
    },
    {
      id: 'out2', type: 'function', ...pos, outputs: 1,
      func: `${note("JSON.stringify({ out: 2, key: msg.btxh.key, reason: msg.btxh.reason, attempts: msg.btxh.attempts, errors: msg.btxh.errors, mahoso: msg.payload && msg.payload.MaHoSo })")}
return null;`,
      wires: [],
    },
    { id: 'complete', type: 'complete', scope: ['sync'], uncaught: false, ...pos, wires: [['accepted']] },
    {
      id: 'accepted', type: 'function', ...pos, outputs: 1,
      func: `if (!msg.res || msg.topic === 'status' || msg.topic === 'replay') return null;
msg.payload = { accepted: Array.isArray(msg.payload) ? msg.payload.length : 1 };
return msg;`,
      wires: [['resp']],
    },
    { id: 'catch', type: 'catch', scope: ['sync'], uncaught: false, ...pos, wires: [['caught']] },
    {
      id: 'caught', type: 'function', ...pos, outputs: 1,
      func: `${note("JSON.stringify({ caught: msg.error && msg.error.message, reason: msg.btxh && msg.btxh.reason, http: !!msg.res })")}
if (!msg.res) return null;
msg.statusCode = 500;
msg.payload = { error: msg.error && msg.error.message };
return msg;`,
      wires: [['resp']],
    },
    { id: 'status', type: 'status', scope: ['sync'], ...pos, wires: [['statusNote']] },
    {
      id: 'statusNote', type: 'function', ...pos, outputs: 1,
      func: `${note("JSON.stringify({ status: msg.status })")}
return null;`,
      wires: [],
    },
    { id: 'resp', type: 'http response', statusCode: '', headers: {}, ...pos, wires: [] },
    { id: 'readyIn', type: 'http in', url: '/ready', method: 'get', upload: false, ...pos, wires: [['readyOut']] },
    { id: 'readyOut', type: 'http response', statusCode: '200', headers: {}, ...pos, wires: [] },
  ];
}

/**
 * Prepares a user directory and returns a handle to start, kill and restart
 * Node-RED on it. The directory (with its SQLite outbox) survives restarts.
 */
async function redProcess({ flow, creds = { auth: { username: 'demo', password: 'demo' } }, name = 'red', userDir, nodeArgs = [], editor = false, env = {} } = {}) {
  const dir = userDir || fs.mkdtempSync(path.join(os.tmpdir(), `btxh-${name}-`));
  fs.mkdirSync(path.join(dir, 'node_modules', '@motcua'), { recursive: true });
  const link = path.join(dir, 'node_modules', '@motcua', 'node-red-btxh');
  if (!fs.existsSync(link)) fs.symlinkSync(ROOT, link, 'dir');
  fs.writeFileSync(path.join(dir, 'flows.json'), JSON.stringify(flow, null, 1));
  fs.writeFileSync(path.join(dir, 'flows_cred.json'), JSON.stringify(creds));
  const events = path.join(dir, 'events.jsonl');
  const logFile = path.join(dir, 'node-red.log');
  const port = await freePort();
  fs.writeFileSync(
    path.join(dir, 'settings.js'),
    `'use strict';
const fs = require('fs');
module.exports = {
  uiHost: '127.0.0.1',
  uiPort: ${port},
  flowFile: 'flows.json',
  credentialSecret: false,
  disableEditor: ${!editor},
  editorTheme: { tours: false, projects: { enabled: false } },
  externalModules: { autoInstall: false, palette: { allowInstall: false } },
  logging: { console: { level: 'info', metrics: false, audit: false } },
  functionGlobalContext: { pid: process.pid, note: (line) => fs.appendFileSync(${JSON.stringify(events)}, line + '\\n') },
};
`,
  );

  let child;
  let starts = 0;
  const handle = {
    dir,
    port,
    events,
    logFile,
    get pid() {
      return child && child.pid;
    },
    get running() {
      return !!child && child.exitCode === null && child.signalCode === null;
    },
    get starts() {
      return starts;
    },
    /** Spawns Node-RED and resolves once GET /ready answers (the flows have started). */
    async start(timeoutMs = 60_000) {
      if (handle.running) throw new Error('already running');
      const out = fs.openSync(logFile, 'a');
      fs.writeSync(out, `\n==== start ${++starts} ${new Date().toISOString()}\n`);
      child = spawn(process.execPath, [...nodeArgs, RED_JS, '--userDir', dir, '--settings', path.join(dir, 'settings.js'), '--port', String(port)], {
        cwd: dir,
        env: { ...process.env, ...env },
        detached: true, // its own process group: a kill reaches everything it started
        stdio: ['ignore', out, out],
      });
      fs.closeSync(out);
      live.add(child);
      const me = child;
      me.on('exit', () => live.delete(me));
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (me.exitCode !== null || me.signalCode !== null) throw new Error(`Node-RED exited at start (${me.exitCode ?? me.signalCode}):\n${handle.tail()}`);
        const ok = await request(port, 'GET', '/ready', undefined, { timeoutMs: 2000 }).then((r) => r.status === 200, () => false);
        if (ok) return;
        await sleep(100);
      }
      await handle.kill();
      throw new Error(`Node-RED did not start within ${timeoutMs} ms:\n${handle.tail()}`);
    },
    /** SIGKILL to the whole process group; resolves once the process is gone. */
    async kill(signal = 'SIGKILL') {
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const me = child;
      const gone = new Promise((r) => me.once('exit', r));
      try {
        process.kill(-me.pid, signal);
      } catch {
        /* already gone */
      }
      await gone;
    },
    /** Sends a signal to the process group without waiting (SIGSTOP freezes it, SIGCONT wakes it). */
    signal(sig) {
      if (child) process.kill(-child.pid, sig);
    },
    /** A clean stop (SIGINT: Node-RED closes its nodes), SIGKILL if it takes longer than 20 s. */
    async stop() {
      if (!handle.running) return;
      const me = child;
      const gone = new Promise((r) => me.once('exit', r));
      process.kill(-me.pid, 'SIGINT');
      const t = setTimeout(() => handle.kill(), 20_000);
      await gone;
      clearTimeout(t);
    },
    /**
     * A full deploy through the admin API, as the editor's Deploy button does;
     * `creds` (node id -> credentials) go with the nodes, as typed in the dialog.
     */
    async deploy(flow, creds = {}) {
      const nodes = flow.map((n) => (creds[n.id] ? { ...n, credentials: creds[n.id] } : n));
      const r = await request(port, 'POST', '/flows', nodes, { headers: { 'Node-RED-Deployment-Type': 'full', 'Node-RED-API-Version': 'v1' } });
      if (r.status !== 204 && r.status !== 200) throw new Error(`deploy: HTTP ${r.status} ${JSON.stringify(r.body)}`);
      // The http in routes come back once the new flows have started.
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        const ok = await request(port, 'GET', '/ready', undefined, { timeoutMs: 2000 }).then((x) => x.status === 200, () => false);
        if (ok) return;
        await sleep(100);
      }
      throw new Error('deploy: the flows did not start again');
    },
    post: (urlPath, body, timeoutMs) => request(port, 'POST', urlPath, body, { timeoutMs: timeoutMs }),
    /** Records to btxh-dossier; resolves the HTTP answer (200 = accepted), rejects on a network error. */
    feed: (records, timeoutMs) => request(port, 'POST', '/feed', records, { timeoutMs: timeoutMs }),
    /** A control message (topic status | replay) and its answer on output 1. */
    control: async (topic, payload) => {
      const r = await request(port, 'POST', '/control', { topic, payload });
      if (r.status !== 200) throw new Error(`control ${topic}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    },
    /** The JSON lines noted so far (a torn last line after a SIGKILL is ignored). */
    readEvents() {
      if (!fs.existsSync(events)) return [];
      return fs.readFileSync(events, 'utf8').split('\n').filter(Boolean).flatMap((l) => {
        try {
          return [JSON.parse(l)];
        } catch {
          return [];
        }
      });
    },
    tail(chars = 4000) {
      return fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').slice(-chars) : '';
    },
    /** Kills the process and removes the user directory. */
    async destroy() {
      await handle.kill();
      if (!userDir && !process.env.KEEP_RED_DIRS) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return handle;
}

/** Polls `cond` every `everyMs` until it holds; throws after `timeoutMs` with `what` (no duration is asserted). */
async function until(cond, { timeoutMs = 120_000, everyMs = 200, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

module.exports = { redProcess, feedFlow, request, until, sleep, freePort };
