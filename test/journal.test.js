'use strict';
// The delivery journal as a flow and the editor see it (issue 14, points 1–2): a real
// Node-RED runtime against the sandbox, as shipped (the SQLite outbox), asked through
// msg.topic "history" and the admin endpoint.
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { helper, start, withRuntime, outcome, records } = require('./support/flow');
const { dossier, progress } = require('./support/records');

describe('delivery journal: the history of a dossier', function () {
  const t = withRuntime();
  let dir;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'btxh-journal-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** The node's answer to a history request. */
  async function history(f, payload) {
    const answer = outcome(f, (s) => s.sent.some((m) => m.topic === 'history') || s.caught.length > 0);
    f.sync.receive({ topic: 'history', payload });
    const s = await answer;
    if (s.caught.length) throw Object.assign(new Error(s.caught[0].error.message), { caught: s.caught[0] });
    return s.sent.find((m) => m.topic === 'history').payload;
  }

  it('tells every step of a dossier with what BTXH answered, ids masked, from a flow and from the admin endpoint', async function () {
    const f = await start({ sandbox: t.sandbox, auth: { queue: 'sqlite', queueFile: path.join(dir, 'outbox.sqlite') } });
    const good = dossier(1);
    const bad = dossier(2, { CMND: '001148099902' });
    t.sandbox.faults({ rejectMaHoSo: [bad.MaHoSo] });
    const settled = outcome(f, (s) => records(s) === 1 && s.notSent.length === 1);
    f.sync.receive({ payload: [good, bad] });
    await settled;
    // The same content again: skipped, and journalled as such.
    const skipped = outcome(f, (s) => s.sent.some((m) => m.btxh && m.btxh.skipped));
    f.sync.receive({ payload: good });
    await skipped;

    const h = await history(f, good.MaHoSo);
    assert.strictEqual(h.dossier, good.MaHoSo);
    assert.strictEqual(h.truncated, false);
    assert.deepStrictEqual(h.events.map((e) => [e.operation, e.event]), [['DongBoDVC', 'accepted'], ['DongBoDVC', 'delivered'], ['DongBoDVC', 'skipped']]);
    const sent = h.events[1];
    assert.strictEqual(sent.attempt, 1);
    assert.strictEqual(sent.status, 200);
    assert.ok(typeof sent.ms === 'number' && sent.ms >= 0, 'how long the request took');
    assert.ok(!Number.isNaN(Date.parse(sent.at)) && sent.at.endsWith('Z'), 'an ISO time');
    assert.ok(Date.parse(h.events[0].at) <= Date.parse(sent.at));
    assert.strictEqual(sent.key, `dossier:${good.MaHoSo}`);

    const refused = await history(f, { MaHoSo: bad.MaHoSo });
    assert.deepStrictEqual(refused.events.map((e) => e.event), ['accepted', 'rejected']);
    const r = refused.events[1];
    assert.strictEqual(r.attempt, 1);
    assert.ok(r.code !== undefined && r.code !== '0', `BTXH's error code (${r.code})`);
    assert.ok(r.message, "BTXH's message");
    assert.ok(r.errors.length && r.errors[0].code === 'rejectedByServer' && r.errors[0].message, 'the problem, rendered');
    assert.ok(!JSON.stringify(refused).includes('001148099902'), 'no full personal id');

    const admin = await helper.request().get(`/btxh/sync/history?dossier=${encodeURIComponent(bad.MaHoSo)}`).expect(200).then((x) => x.body);
    assert.deepStrictEqual(admin, refused, 'the admin endpoint answers the same');
    const viaAuth = await helper.request().get(`/btxh/auth/history?dossier=${encodeURIComponent(good.MaHoSo)}`).expect(200).then((x) => x.body);
    assert.deepStrictEqual(viaAuth.events.map((e) => e.event), ['accepted', 'delivered', 'skipped'], 'by the connection too');
    await helper.request().get('/btxh/sync/history').expect(400);
    await helper.request().get('/btxh/nothing/history?dossier=x').expect(404);
    assert.deepStrictEqual((await history(f, 'HS-KHONG-CO')).events, [], 'an unknown dossier has no events');
  });

  it('journals every operation of the dossier on the connection, from any of its sync nodes', async function () {
    const f = await start({ type: 'btxh-progress', sandbox: t.sandbox, auth: { queue: 'sqlite', queueFile: path.join(dir, 'outbox.sqlite') } });
    const step = progress(1);
    const settled = outcome(f, (s) => records(s) === 1);
    f.sync.receive({ payload: step });
    await settled;
    const h = await history(f, step.MaHoSo);
    assert.deepStrictEqual(h.events.map((e) => [e.operation, e.event]), [['XuLyHoSo', 'accepted'], ['XuLyHoSo', 'delivered']]);
    assert.ok(h.events[0].key.startsWith(`progress:${step.MaHoSo}|`), 'the step is its own record of the dossier');
  });

  it('a history request without a dossier code fails with its own message, on the Catch node; nothing is answered', async function () {
    const f = await start({ sandbox: t.sandbox });
    for (const payload of [undefined, '', { maHoSo: 'x' }, 'x'.repeat(51), ['HS1']]) {
      const s = outcome(f, (st) => st.caught.length === 1 && st.done.length === 0);
      f.sync.receive({ topic: 'history', payload });
      const { caught } = await s;
      // The test runtime does not load the package's message catalogue: the key stands for the message (test/messages.test.js checks both languages have it).
      assert.match(caught[0].error.message, /historyDossier|No history without a dossier code/, JSON.stringify(payload));
      f.caught.removeAllListeners('input');
      f.done.removeAllListeners('input');
      f.sent.removeAllListeners('input');
      f.notSent.removeAllListeners('input');
    }
  });
});

describe('admin endpoints', function () {
  it('every route the nodes add to Node-RED\'s admin API asks for a permission', function () {
    const dir = path.join(__dirname, '..', 'src', 'nodes');
    let routes = 0;
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const text = fs.readFileSync(path.join(dir, file), 'utf8');
      for (const m of text.matchAll(/RED\.httpAdmin\.(get|post|put|delete)\(\s*'[^']+',\s*([^,]+)/g)) {
        routes++;
        assert.match(m[2], /^RED\.auth\.needsPermission\('btxh-[a-z]+\.(read|write)'\)$/, `${file}: ${m[0]}`);
      }
    }
    assert.ok(routes >= 7, `routes found: ${routes}`);
  });
});
