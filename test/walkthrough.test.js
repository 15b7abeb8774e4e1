'use strict';
// The README's "five minutes", step by step, on `npm start` as a new user runs it:
// what each step says the user sees is what the editor shows (debug sidebar and
// node status read over /comms, as the editor reads them), and the counts the
// status shows survive a restart.
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');
const { freePort, request } = require('./support/net');
const { until: waitFor } = require('./support/red-process');
/** Polls `fn` (a failed attempt counts as not yet) until it holds. */
const until = (fn, what) => waitFor(() => fn().catch(() => undefined), { what, everyMs: 100, timeoutMs: 60_000 });
const { comms } = require('./support/comms');

const ROOT = path.join(__dirname, '..');
const EXAMPLE = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', 'dossier-sync.json'), 'utf8'));
const node = (type, name) => EXAMPLE.find((n) => n.type === type && (!name || (n.name ?? '').startsWith(name)));
const SAMPLES = JSON.parse(fs.readFileSync(path.join(ROOT, 'data', 'samples', 'dossiers.json'), 'utf8'));

describe('the README walkthrough on npm start', function () {
  this.timeout(120_000);
  let dir;
  let ports;
  let demo;
  let view;

  /** `npm start` (scripts/demo.js) on the test's ports and user directory; resolves when the editor answers. */
  async function start() {
    const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'demo.js')], {
      env: { ...process.env, PORT: String(ports.editor), SANDBOX_PORT: String(ports.sandbox), BTXH_DEMO_DIR: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    demo = { child, out: () => out };
    await until(async () => (await request(ports.editor, 'GET', '/flows')).status === 200, 'the editor');
    view = comms(ports.editor);
    await view.opened;
  }
  function stop() {
    view?.close();
    try {
      process.kill(-demo.child.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    return new Promise((r) => (demo.child.exitCode !== null ? r() : demo.child.once('exit', r)));
  }
  const press = async (inject) => assert.strictEqual((await request(ports.editor, 'POST', `/inject/${inject.id}`)).status, 200);
  const shown = (debug) => view.shown.get(debug.id) ?? [];
  const status = () => view.statuses.get(node('btxh-dossier').id)?.text ?? '';
  const sandboxRecords = async () => (await request(ports.sandbox, 'GET', '/_sandbox/records?op=dossier')).body.records;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'btxh-walkthrough-'));
    ports = { editor: await freePort(), sandbox: await freePort() };
    await start();
  });
  after(async () => {
    await stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('1–2: the editor and the sandbox are up; the tab holds the sample inject, btxh-dossier and two debug nodes; nothing sent yet', async () => {
    assert.ok(demo.out().includes(`http://127.0.0.1:${ports.editor}/`) && demo.out().includes(`http://127.0.0.1:${ports.sandbox}/`), demo.out());
    const flows = (await request(ports.editor, 'GET', '/flows', undefined, { headers: { 'Node-RED-API-Version': 'v2' } })).body.flows;
    const tab = flows.find((n) => n.type === 'tab');
    assert.match(tab.label, /^BTXH: đồng bộ hồ sơ .*dossier sync/, 'the tab the README names, in both languages');
    const sync = flows.find((n) => n.type === 'btxh-dossier');
    assert.deepStrictEqual(sync.wires.map((w) => w.map((id) => flows.find((n) => n.id === id).type)), [['debug'], ['debug']]);
    assert.strictEqual((await sandboxRecords()).length, 0, 'the demo waits for the user to press the inject');
  });

  it('3: Test connection on the connection as deployed, password unchanged: connected', async () => {
    const auth = node('btxh-auth');
    const flows = (await request(ports.editor, 'GET', '/flows', undefined, { headers: { 'Node-RED-API-Version': 'v2' } })).body.flows;
    const deployed = flows.find((n) => n.id === auth.id);
    const r = await request(ports.editor, 'POST', '/btxh-auth/test', { ...deployed, credentials: { username: 'demo', password: '__PWRD__' } });
    assert.strictEqual(r.body.ok, true, JSON.stringify(r.body));
  });

  it('4: press the sample inject — output 1 names the dossiers sent, output 2 the wrong one and why, the status says so; pressed again, nothing goes twice and the status says why', async () => {
    await press(node('inject', 'Hồ sơ mẫu'));
    const sentDebug = node('debug', 'đã gửi');
    const notSentDebug = node('debug', 'không gửi được');
    await until(async () => shown(notSentDebug).length === 1 && (await sandboxRecords()).length === SAMPLES.length - 1, 'the samples delivered');
    await until(async () => shown(sentDebug).flatMap((m) => m.msg.match(/dossier:[^"]+/g) ?? []).length === SAMPLES.length - 1, 'output 1 lists every dossier sent');
    const wrong = SAMPLES[SAMPLES.length - 1];
    const bad = shown(notSentDebug)[0].msg;
    assert.ok(bad.includes(wrong.MaHoSo), `output 2 names the dossier: ${bad}`);
    assert.match(bad, /"errors"/);
    assert.ok(!bad.includes(String(wrong.CMND)) || String(wrong.CMND).length < 9, 'the personal id is masked in msg.btxh');
    await until(async () => status() === `đã gửi ${SAMPLES.length - 1} · sai 1`, `the status "đã gửi 7 · sai 1" (now "${status()}")`);

    const before = shown(sentDebug).length;
    await press(node('inject', 'Hồ sơ mẫu'));
    await until(async () => shown(sentDebug).length > before, 'output 1 answers the second press');
    const again = shown(sentDebug).slice(before).map((m) => m.msg).join('\n');
    assert.match(again, /"skipped": ?true/, again);
    assert.strictEqual((await sandboxRecords()).length, SAMPLES.length - 1, 'nothing sent twice');
    await until(async () => status() === `đã gửi ${SAMPLES.length - 1} · không đổi ${SAMPLES.length - 1} · sai 2`, `the status names the unchanged (now "${status()}")`);
    assert.ok(status().length <= 40, `short enough for the canvas: "${status()}"`);
  });

  it('5: the sandbox page lists what it received, personal ids masked', async () => {
    const page = await (await fetch(`http://127.0.0.1:${ports.sandbox}/`)).text();
    for (const s of SAMPLES.slice(0, -1)) {
      assert.ok(page.includes(s.MaHoSo), s.MaHoSo);
      assert.ok(!page.includes(s.CMND), 'masked');
    }
  });

  it('the status inject shows every count on output 1 (msg.btxh.counts, what its debug node displays)', async () => {
    const sentDebug = node('debug', 'đã gửi');
    const before = shown(sentDebug).length;
    await press(node('inject', 'trạng thái'));
    await until(async () => shown(sentDebug).length > before, 'the status answer');
    const answer = shown(sentDebug)[before].msg;
    assert.match(answer, /"counts"/, answer);
    assert.match(answer, new RegExp(`"sent": ?${SAMPLES.length - 1}`), answer);
    assert.match(answer, new RegExp(`"skipped": ?${SAMPLES.length - 1}`), answer);
  });

  it('after a restart the status still says what was sent and skipped (the counts are the outbox\'s)', async () => {
    await stop();
    await start();
    await until(async () => status().startsWith(`đã gửi ${SAMPLES.length - 1} · không đổi ${SAMPLES.length - 1}`), `the status after a restart (now "${status()}")`);
    assert.strictEqual((await sandboxRecords()).length, 0, 'a new sandbox process: the demo does not send on its own');
  });
});
