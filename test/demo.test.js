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

  it('prints both addresses and the sandbox lists the demo dossiers', async () => {
    const samples = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'data', 'samples', 'dossiers.json'), 'utf8'));
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
  });

  it('every example flow deploys into the running editor', async () => {
    const dirx = path.join(__dirname, '..', 'examples');
    for (const file of fs.readdirSync(dirx)) {
      const nodes = JSON.parse(fs.readFileSync(path.join(dirx, file), 'utf8'));
      const tab = nodes.find((n) => n.type === 'tab');
      if (file === 'dossier-sync.json') continue; // already deployed by the demo
      const body = { id: tab.id, label: tab.label, nodes: nodes.filter((n) => n.z === tab.id), configs: nodes.filter((n) => !n.z && n.type !== 'tab') };
      const res = await fetch(`${editor}/flow`, { method: 'POST', headers: { 'content-type': 'application/json', 'Node-RED-API-Version': 'v2' }, body: JSON.stringify(body) });
      assert.strictEqual(res.status, 200, `${file}: ${await res.text()}`);
    }
    const flows = await (await fetch(`${editor}/flows`, { headers: { 'Node-RED-API-Version': 'v2' } })).json();
    const types = new Set(flows.flows.map((n) => n.type));
    for (const t of ['btxh-dossier', 'btxh-progress', 'btxh-decision', 'btxh-lookup', 'btxh-auth']) assert.ok(types.has(t), t);
    const nodes = await (await fetch(`${editor}/nodes`, { headers: { accept: 'application/json' } })).json();
    const ours = nodes.filter((s) => s.module === '@motcua/node-red-btxh');
    assert.strictEqual(ours.length, 5);
    for (const s of ours) assert.ok(s.enabled && !s.err, `${s.id}: ${s.err}`);
  });
});
