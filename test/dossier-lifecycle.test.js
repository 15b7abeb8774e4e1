'use strict';
const assert = require('assert');
const { helper, start, withRuntime, outcome, records, CREDS, authNode, modules } = require('./support/flow');
const { dossier } = require('./support/records');

describe('btxh-dossier lifecycle and secrecy', function () {
  const t = withRuntime();

  it('on redeploy mid-batch, in-flight records finish or leave on output 2: nothing is dropped', async () => {
    const f = await start({ sandbox: t.sandbox, node: { batchSize: 5, concurrency: 1 } });
    t.sandbox.faults({ latencyMs: 150 });
    const list = Array.from({ length: 25 }, (_, i) => dossier(i + 1));
    const firstBatch = outcome(f, (s) => records(s) >= 5);
    const all = outcome(f, (s) => records(s) + s.notSent.length === 25);
    f.sync.receive({ payload: list });
    await firstBatch;
    // A "modified nodes" deploy restarts only the sync node; helpers keep listening.
    const changed = f.flow.map((n) => (n.id === 'sync' ? { ...n, name: 'renamed' } : n));
    await helper.setFlows(changed, 'nodes', { auth: CREDS }).catch(() => undefined);
    const s = await all;
    const delivered = s.sent.flatMap((m) => m.payload.map((r) => r.MaHoSo));
    const left = s.notSent.map((m) => m.payload.MaHoSo);
    assert.ok(left.length > 0, 'a memory queue cannot keep waiting records across the redeploy');
    for (const m of s.notSent) assert.strictEqual(m.btxh.reason, 'undeliverable');
    assert.deepStrictEqual([...delivered, ...left].sort(), list.map((r) => r.MaHoSo).sort(), 'each record exactly once');
    assert.deepStrictEqual(t.sandbox.records('dossier').map((r) => r.record.MaHoSo).sort(), delivered.sort());
  });

  it('never lets a secret, the token or a full personal id reach a log, a status or a message', async () => {
    const f = await start({ sandbox: t.sandbox, node: {} });
    const statuses = [];
    f.sync.on('call:status', (call) => statuses.push(JSON.stringify(call.args)));
    const ids = ['001148099901', '001148099902', '001148099903'];
    t.sandbox.faults({ rejectMaHoSo: [dossier(2).MaHoSo] });
    const wait = outcome(f, (s) => records(s) === 1 && s.notSent.length === 2);
    f.sync.receive({ payload: [dossier(1, { CMND: ids[0] }), dossier(2, { CMND: ids[1] }), dossier(3, { CMND: ids[2], MaXa: 'x' })] });
    const s = await wait;
    t.sandbox.expireTokens();
    const logged = JSON.stringify(helper.log().args) + statuses.join('\n') + t.log.join('\n');
    const messages = JSON.stringify([...s.notSent.map((m) => m.btxh), ...s.sent.map((m) => m.btxh)]);
    assert.ok(logged.length > 100, 'something was logged');
    for (const text of [logged, messages]) {
      assert.ok(!text.includes(CREDS.password), 'password leaked');
      assert.ok(t.sandbox.tokens().length > 0);
      for (const token of t.sandbox.tokens()) assert.ok(!text.includes(token), 'token leaked');
      assert.ok(!/"token"\s*:/.test(text), 'a token field leaked');
    }
    for (const id of ids) assert.ok(!logged.includes(id), `full personal id ${id} in a log or status`);
    assert.ok(logged.includes('0011******02') || logged.includes('0011******03'), 'ids are shown masked');
  });

  it('Test connection works with the values typed in the dialog, before any deploy', async () => {
    await helper.load(Object.values(modules), [], {});
    const ok = await helper
      .request()
      .post('/btxh-auth/test')
      .send({ ...authNode(t.sandbox.url), id: 'not-deployed', credentials: { username: CREDS.username, password: CREDS.password } })
      .expect(200);
    assert.strictEqual(ok.body.ok, true, JSON.stringify(ok.body));
    const bad = await helper
      .request()
      .post('/btxh-auth/test')
      .send({ ...authNode(t.sandbox.url), credentials: { username: CREDS.username, password: 'wrong' } })
      .expect(200);
    assert.strictEqual(bad.body.ok, false);
    assert.ok(bad.body.message && !bad.body.message.includes('wrong'), "the server's message, never the password");
    assert.ok(!JSON.stringify(ok.body).includes('token'), 'the token never reaches the editor');
  });

  it('takes an unchanged password from the deployed connection', async () => {
    await start({ sandbox: t.sandbox });
    const res = await helper
      .request()
      .post('/btxh-auth/test')
      .send({ ...authNode(t.sandbox.url), id: 'auth', credentials: { username: CREDS.username, password: '__PWRD__' } })
      .expect(200);
    assert.strictEqual(res.body.ok, true, JSON.stringify(res.body));
  });

  it('answers a status request with the queue counts', async () => {
    const f = await start({ sandbox: t.sandbox });
    const wait = outcome(f, (s) => records(s) === 2);
    f.sync.receive({ payload: [dossier(1), dossier(2)] });
    await wait;
    const answer = outcome(f, (s) => s.sent.some((m) => m.topic === 'status'));
    f.sync.receive({ topic: 'status' });
    const s = await answer;
    const st = s.sent.find((m) => m.topic === 'status').payload;
    assert.strictEqual(st.sent, 2);
    assert.strictEqual(st.waiting, 0);
    assert.strictEqual(st.queue, 'memory');
  });

  it('an unusable address is shown on the node and the input is not acknowledged', async () => {
    const f = await start({ sandbox: t.sandbox, auth: { baseUrl: 'not a url' } });
    const wait = outcome(f, (s) => s.caught.length === 1);
    f.sync.receive({ payload: dossier(1) });
    const s = await wait;
    assert.strictEqual(s.done.length, 0, 'never acknowledged');
    assert.strictEqual(s.notSent.length + s.sent.length, 0);
    assert.ok(s.caught[0].error.message, 'the reason reaches the Catch node');
  });

  it('wrong credentials are a connection fault: records are retried, never blamed as rejected', async () => {
    const f = await start({ sandbox: t.sandbox, node: { batchSize: 3 }, creds: { username: 'demo', password: 'wrong' } });
    const wait = outcome(f, (s) => s.notSent.length === 3);
    f.sync.receive({ payload: [dossier(1), dossier(2), dossier(3)] });
    const s = await wait;
    assert.deepStrictEqual(s.notSent.map((m) => m.btxh.reason), ['undeliverable', 'undeliverable', 'undeliverable']);
    assert.ok(s.notSent.every((m) => m.btxh.errors[0].params.reason === 'authFailed'), JSON.stringify(s.notSent[0].btxh.errors));
    assert.strictEqual(t.sandbox.records('dossier').length, 0);
  });

  it('shows waiting records (with the oldest age) while BTXH is down, then dead letters in red', async () => {
    const f = await start({ sandbox: t.sandbox, node: {} });
    const statuses = [];
    let seen;
    const statusLike = (pred) =>
      new Promise((resolve) => {
        seen = () => statuses.some(pred) && resolve();
        seen();
      });
    f.sync.on('call:status', (call) => {
      statuses.push(call.args[0]);
      seen?.();
    });
    t.sandbox.faults({ outage: true });
    f.sync.receive({ payload: [dossier(1), dossier(2)] });
    await statusLike((st) => st.text?.endsWith('status.countsWaiting') && st.fill === 'blue');
    // BTXH comes back and refuses both: two dead letters.
    t.sandbox.faults({ rejectMaHoSo: [dossier(1).MaHoSo, dossier(2).MaHoSo] });
    await statusLike((st) => st.text?.endsWith('status.counts') && st.fill === 'red');
    const answer = outcome(f, (s) => s.sent.some((m) => m.topic === 'status'));
    f.sync.receive({ topic: 'status' });
    const st = (await answer).sent.find((m) => m.topic === 'status').payload;
    assert.strictEqual(st.dead, 2);
    assert.strictEqual(st.waiting, 0);
    assert.strictEqual(st.deadLetters.length, 2);
    assert.ok(st.deadLetters.every((d) => d.reason === 'rejected' && d.attempts >= 1 && d.key.startsWith('dossier:')));
  });
});
