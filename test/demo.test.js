'use strict';
// `npm start` as a user runs it: the sandbox, Node-RED with the package and the
// demo flow. The sandbox must end up listing the demo dossiers, and every
// example flow must deploy into the running editor.
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');
const { freePort } = require('./support/net');

async function until(fn, what, tries = 300) {
  for (let i = 0; i < tries; i++) {
    try {
      const v = await fn();
      if (v) return v;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe('npm start (demo)', function () {
  this.timeout(120000);
  let child;
  let dir;
  let editor;
  let sandbox;
  let output = '';

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'btxh-demo-'));
    const [p1, p2] = [await freePort(), await freePort()];
    editor = `http://127.0.0.1:${p1}`;
    sandbox = `http://127.0.0.1:${p2}`;
    child = spawn(process.execPath, [path.join(__dirname, '..', 'scripts', 'demo.js')], {
      env: { ...process.env, PORT: String(p1), SANDBOX_PORT: String(p2), BTXH_DEMO_DIR: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
  });

  after(() => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('prints both addresses and, once the sample inject is pressed, the sandbox lists the demo dossiers', async () => {
    const samples = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'data', 'samples', 'dossiers.json'), 'utf8'));
    const inject = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'examples', 'dossier-sync.json'), 'utf8')).find((n) => n.type === 'inject' && n.payloadType === 'json');
    await until(async () => (await fetch(`${editor}/inject/${inject.id}`, { method: 'POST' })).status === 200, 'the sample inject pressed');
    const got = await until(async () => {
      const r = await (await fetch(`${sandbox}/_sandbox/records?op=dossier`)).json();
      return r.records.length >= samples.length - 1 ? r : undefined;
    }, 'the demo dossiers in the sandbox');
    const codes = got.records.map((r) => r.record.MaHoSo).sort();
    assert.deepStrictEqual(codes, samples.slice(0, -1).map((s) => s.MaHoSo).sort(), 'every valid sample, the wrong one held back');
    const page = await (await fetch(`${sandbox}/`)).text();
    assert.ok(page.includes(samples[0].MaHoSo), 'the page lists them');
    assert.ok(output.includes(editor) && output.includes(sandbox), output);
    const flowFile = JSON.parse(fs.readFileSync(path.join(dir, 'flows.json'), 'utf8'));
    const auth = flowFile.find((n) => n.type === 'btxh-auth');
    assert.ok(auth && !('credentials' in auth) && !JSON.stringify(auth).includes('demo"'), 'no secret in the flow file');
    // D22: the dossiers registered "at the ministry" an hour before the demo started, for btxh-pull to find.
    const vn = (ms) => new Date(ms + 7 * 3600_000).toISOString().replace(/^(\d{4})-(\d\d)-(\d\d)T([\d:]{8}).*$/, '$3/$2/$1 $4');
    const pulled = await (await fetch(`${sandbox}/api/v1/Service/DanhSachHoSo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer demo-key' },
      body: JSON.stringify({ AcceptKey: 'demo-key', MaTinh: '01', ThoiGianBatDau: vn(Date.now() - 3 * 3600_000), ThoiGianKetThuc: vn(Date.now()) }),
    })).json();
    const ministry = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'data', 'samples', 'ministry.json'), 'utf8'));
    assert.deepStrictEqual(pulled.result.data.map((d) => d.maHoSo), ministry.map((d) => d.MaHoSo));
  });

  it('every example flow deploys into the running editor', async () => {
    const dirx = path.join(__dirname, '..', 'examples');
    const files = fs.readdirSync(dirx).filter((f) => f.endsWith('.json'));
    for (const f of fs.readdirSync(path.join(dirx, 'database'))) files.push(path.join('database', f));
    for (const file of files) {
      const nodes = JSON.parse(fs.readFileSync(path.join(dirx, file), 'utf8'));
      const tab = nodes.find((n) => n.type === 'tab');
      if (file === 'dossier-sync.json') continue; // already deployed by the demo
      const body = { id: tab.id, label: tab.label, nodes: nodes.filter((n) => n.z === tab.id), configs: nodes.filter((n) => !n.z && n.type !== 'tab') };
      const res = await fetch(`${editor}/flow`, { method: 'POST', headers: { 'content-type': 'application/json', 'Node-RED-API-Version': 'v2' }, body: JSON.stringify(body) });
      assert.strictEqual(res.status, 200, `${file}: ${await res.text()}`);
    }
    const flows = await (await fetch(`${editor}/flows`, { headers: { 'Node-RED-API-Version': 'v2' } })).json();
    const types = new Set(flows.flows.map((n) => n.type));
    for (const t of ['btxh-dossier', 'btxh-progress', 'btxh-decision', 'btxh-lookup', 'btxh-auth', 'btxh-source', 'btxh-pull', 'mysql', 'MSSQL', 'sheet-to-json']) assert.ok(types.has(t), t);
    const nodes = await (await fetch(`${editor}/nodes`, { headers: { accept: 'application/json' } })).json();
    const ours = nodes.filter((s) => s.module === '@motcua/node-red-btxh');
    assert.strictEqual(ours.length, 7);
    for (const s of ours) assert.ok(s.enabled && !s.err, `${s.id}: ${s.err}`);
  });
});

describe('npm start when something is in the way', function () {
  this.timeout(60000);
  const demo = (env) =>
    new Promise((resolve) => {
      const c = spawn(process.execPath, [path.join(__dirname, '..', 'scripts', 'demo.js')], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      let out = '';
      c.stdout.on('data', (d) => (out += d));
      c.stderr.on('data', (d) => (out += d));
      c.on('exit', (code) => resolve({ code, out }));
      // A demo that did start is stopped once it has said what it had to say.
      c.stdout.on('data', () => /Node-RED editor/.test(out) && setTimeout(() => { try { process.kill(-c.pid, 'SIGKILL'); } catch { /* gone */ } }, 500));
    });
  const taken = () => new Promise((r) => { const s = require('net').createServer().listen(0, '127.0.0.1', () => r(s)); });

  it('a taken sandbox or editor port is one clear line naming the setting to change, in Vietnamese or English, no stack', async () => {
    const s = await taken();
    const port = s.address().port;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'btxh-demo-busy-'));
    try {
      const vi = await demo({ SANDBOX_PORT: String(port), PORT: String(await freePort()), BTXH_DEMO_DIR: dir });
      assert.strictEqual(vi.code, 1);
      assert.strictEqual(vi.out.trim().split('\n').length, 1, vi.out);
      assert.match(vi.out, new RegExp(`Cổng ${port} \\(sandbox\\) đang có chương trình khác dùng.*SANDBOX_PORT=${port + 1} npm start`));
      assert.ok(!/\n\s+at |EADDRINUSE/.test(vi.out), vi.out);
      const en = await demo({ PORT: String(port), SANDBOX_PORT: String(await freePort()), BTXH_DEMO_DIR: dir, BTXH_LANG: 'en-US' });
      assert.strictEqual(en.code, 1);
      assert.match(en.out, new RegExp(`^Port ${port} \\(Node-RED\\) is taken by another program.*PORT=${port + 1} npm start`));
    } finally {
      s.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a .demo/ kept from a run on another sandbox port is pointed out at start', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'btxh-demo-stale-'));
    try {
      const example = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'examples', 'dossier-sync.json'), 'utf8'));
      for (const n of example) if (n.type === 'btxh-auth') { n.baseUrl = 'http://127.0.0.1:8088'; delete n.credentials; }
      fs.writeFileSync(path.join(dir, 'flows.json'), JSON.stringify(example));
      const sb = await freePort();
      const r = await demo({ SANDBOX_PORT: String(sb), PORT: String(await freePort()), BTXH_DEMO_DIR: dir, BTXH_LANG: 'en-US' });
      assert.match(r.out, new RegExp(`still points at http://127\\.0\\.0\\.1:8088 \\(an earlier run\\), while the sandbox runs at http://127\\.0\\.0\\.1:${sb}`), r.out);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
