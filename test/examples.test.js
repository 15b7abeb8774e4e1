'use strict';
// Issue 10 (5): every example flow, as shipped, run in a real Node-RED against the
// sandbox: only the connection's address is changed (to this test's sandbox); its
// credentials are the example's own (the sandbox's demo login, which a deploy moves
// to the credentials file; test/browser.test.js imports them through the editor). Each inject is fired as the editor's button
// does (POST /inject/:id) and what reaches the sandbox and each debug node is checked,
// the debug sidebar being read as the editor reads it (the /comms websocket).
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { createSandbox } = require('../sandbox/server');
const { redProcess, request, until } = require('./support/red-process');
const { comms } = require('./support/comms');

const DIR = path.join(__dirname, '..', 'examples');
const load = (file) => JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8'));

async function run(file, sandbox) {
  const flow = load(file);
  const auth = flow.find((n) => n.type === 'btxh-auth');
  auth.baseUrl = sandbox.url;
  const tab = flow.find((n) => n.type === 'tab');
  // The harness's own readiness route, beside the example's nodes.
  flow.push(
    { id: 'readyIn', z: tab.id, type: 'http in', url: '/ready', method: 'get', x: 0, y: 0, wires: [['readyOut']] },
    { id: 'readyOut', z: tab.id, type: 'http response', statusCode: '200', x: 0, y: 0, wires: [] },
  );
  const creds = auth.credentials;
  assert.ok(creds && creds.username && creds.password, `${file}: the connection carries the sandbox's demo login`);
  delete auth.credentials;
  const red = await redProcess({ name: `example-${path.basename(file, '.json')}`, flow, creds: { [auth.id]: creds }, editor: true });
  await red.start();
  const debug = comms(red.port);
  await debug.opened;
  const fire = async (id) => assert.strictEqual((await request(red.port, 'POST', `/inject/${id}`)).status, 200, `inject ${id}`);
  const named = (type, name) => flow.find((n) => n.type === type && (n.name ?? '').startsWith(name));
  return { red, flow, debug, fire, named, shown: (node) => debug.shown.get(node.id) ?? [] };
}

describe('every example flow, as shipped, against the sandbox', function () {
  this.timeout(120_000);
  let sandbox;
  let ex;
  beforeEach(async () => {
    sandbox = await createSandbox({ port: 0 });
  });
  afterEach(async () => {
    ex?.debug.close();
    await ex?.red.destroy();
    ex = undefined;
    await sandbox.close();
  });

  it('dossier-sync: the sample dossiers reach BTXH, the wrong one shows under "not sent", the status inject answers', async () => {
    ex = await run('dossier-sync.json', sandbox);
    const sample = ex.named('inject', 'Hồ sơ mẫu');
    const records = JSON.parse(sample.payload);
    await ex.fire(sample.id);
    await until(() => sandbox.records('dossier').length >= records.length - 1 && ex.shown(ex.named('debug', 'không gửi')).length >= 1, { what: 'the samples' });
    assert.deepStrictEqual(sandbox.records('dossier').map((r) => r.record.MaHoSo).sort(), records.slice(0, -1).map((r) => r.MaHoSo).sort());
    assert.ok(ex.shown(ex.named('debug', 'đã gửi')).length >= 1, 'shown as sent');
    assert.strictEqual(ex.shown(ex.named('debug', 'không gửi')).length, 1, 'the one wrong sample, on output 2');
    // The status inject answers on output 1 (what its debug node shows of it is issue 12's).
    const before = ex.shown(ex.named('debug', 'đã gửi')).length;
    await ex.fire(ex.named('inject', 'trạng thái').id);
    await until(() => ex.shown(ex.named('debug', 'đã gửi')).length > before, { what: 'the status answer' });
  });

  it('final-decision: the sample decision reaches BTXH and shows under "sent"', async () => {
    ex = await run('final-decision.json', sandbox);
    const sample = ex.named('inject', 'quyết định mẫu');
    await ex.fire(sample.id);
    await until(() => sandbox.records('decision').length === 1 && ex.shown(ex.named('debug', 'đã gửi')).length === 1, { what: 'the decision' });
    assert.strictEqual(sandbox.records('decision')[0].record.MaHoSo, JSON.parse(sample.payload).MaHoSo);
    assert.strictEqual(ex.shown(ex.named('debug', 'không gửi')).length, 0);
  });

  it('lookup-clean: the commune name is looked up, MaXa filled, the dossier reaches BTXH; nothing "needs review"', async () => {
    ex = await run('lookup-clean.json', sandbox);
    const sample = ex.named('inject', 'hồ sơ có tên xã');
    await ex.fire(sample.id);
    await until(() => sandbox.records('dossier').length === 1 || ex.shown(ex.named('debug', 'cần xem lại')).length > 0, { what: 'the dossier or a review' });
    assert.deepStrictEqual(ex.shown(ex.named('debug', 'cần xem lại')), [], 'found, not sent to review');
    const got = sandbox.records('dossier')[0].record;
    assert.strictEqual(got.MaHoSo, JSON.parse(sample.payload).MaHoSo);
    assert.match(got.MaXa, /^\d{5}$/);
    await until(() => ex.shown(ex.named('debug', 'đã gửi')).length === 1, { what: 'shown as sent' });
  });

  it('progress-step: the sample step (inject) and a step posted to its http in both reach BTXH', async () => {
    ex = await run('progress-step.json', sandbox);
    const sample = ex.named('inject', 'bước mẫu');
    await ex.fire(sample.id);
    await until(() => sandbox.records('progress').length === 1, { what: 'the sample step' });
    const step = { ...JSON.parse(sample.payload), ThoiGian: '2025-11-05T10:00:00+07:00' };
    const httpIn = ex.flow.find((n) => n.type === 'http in' && n.id !== 'readyIn');
    const r = await request(ex.red.port, 'POST', httpIn.url, step);
    assert.strictEqual(r.status, 202);
    await until(() => sandbox.records('progress').length === 2, { what: 'the posted step' });
    assert.strictEqual(ex.shown(ex.named('debug', 'không gửi')).length, 0);
  });
});
