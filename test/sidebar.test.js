'use strict';
// What the BTXH sidebar asks of a deployed sync node (issue 14, point 4), in a real Node-RED
// runtime against the sandbox: its state, its dead letters (ids masked) and replay with edit
// (checked as typed, sent when valid, a masked id never sent, the edit journalled). The tab
// itself is driven in a real browser by test/browser.test.js.
const assert = require('assert');
const { start, withRuntime, outcome, records } = require('./support/flow');
const { dossier } = require('./support/records');

describe('BTXH sidebar: a sync node\'s state, dead letters and replay with edit', function () {
  const t = withRuntime();

  async function withLetter() {
    const f = await start({ sandbox: t.sandbox });
    const bad = dossier(2, { CMND: '001148099902' });
    t.sandbox.faults({ rejectMaHoSo: [bad.MaHoSo] });
    const settled = outcome(f, (s) => records(s) === 1 && s.notSent.length === 1);
    f.sync.receive({ payload: [dossier(1), bad] });
    await settled;
    t.sandbox.faults({});
    const [letter] = await f.sync.deadList(10);
    return { f, bad, letter };
  }

  it('tells its state and lists its dead letters with what BTXH said, ids masked', async function () {
    const { f, bad, letter } = await withLetter();
    const st = await f.sync.state();
    assert.deepStrictEqual([st.sent, st.dead, st.waiting, st.reachable, st.queue], [1, 1, 0, true, 'memory']);
    assert.strictEqual(f.sync.operation, 'DongBoDVC');
    assert.deepStrictEqual([letter.dossier, letter.reason, letter.attempts], [bad.MaHoSo, 'rejected', 1]);
    assert.ok(letter.entry > 0 && letter.errors.length && letter.errors[0].code === 'rejectedByServer');
    assert.strictEqual(letter.record.CMND, '0011******02');
    assert.strictEqual(letter.original.CMND, '0011******02');
    assert.ok(!JSON.stringify(letter).includes('001148099902'), 'the id nowhere in full');
  });

  it('replay with edit: checks as typed, keeps the stored id behind its mask, sends the corrected record and journals the edit', async function () {
    const { f, bad, letter } = await withLetter();
    const shown = { ...letter.record };
    // A field the checks refuse: said field by field, nothing sent.
    const wrong = await f.sync.resend(letter.entry, { ...shown, NgayThangNamSinh: '31/02/1948' }, false);
    assert.deepStrictEqual([wrong.ok, wrong.sent], [false, false]);
    assert.ok(wrong.errors.some((e) => e.field === 'NgayThangNamSinh'));
    // The live preview of a good edit: valid, nothing sent yet.
    const fixed = { ...shown, HoVaTen: 'Nguyễn Thị Hoà' };
    const preview = await f.sync.resend(letter.entry, fixed, true);
    assert.deepStrictEqual([preview.ok, preview.sent], [true, false]);
    assert.strictEqual(preview.record.CMND, '0011******02', 'the preview masks the id');
    assert.strictEqual(t.sandbox.records('dossier').filter((r) => r.record.MaHoSo === bad.MaHoSo).length, 0);
    // Sent: the corrected name and the stored id (never the mask) reach BTXH.
    const delivered = outcome(f, (s) => records(s) === 1);
    const sent = await f.sync.resend(letter.entry, fixed, false);
    assert.deepStrictEqual([sent.ok, sent.sent], [true, true]);
    await delivered;
    const atBtxh = t.sandbox.records('dossier').filter((r) => r.record.MaHoSo === bad.MaHoSo).map((r) => r.record);
    assert.strictEqual(atBtxh.length, 1);
    assert.strictEqual(atBtxh[0].HoVaTen, 'Nguyễn Thị Hoà');
    assert.strictEqual(atBtxh[0].CMND, '001148099902', 'the real id, not its mask');
    // The letter is superseded by the delivered correction; the history tells the edit.
    const events = (await f.sync.history(bad.MaHoSo)).events.map((e) => e.event);
    for (const e of ['accepted', 'rejected', 'edited', 'delivered', 'superseded']) assert.ok(events.includes(e), `${e} in ${events}`);
    assert.ok(events.indexOf('rejected') < events.indexOf('edited') && events.indexOf('edited') <= events.indexOf('delivered'));
    const [left] = await f.sync.deadList(10);
    assert.strictEqual(left.reason, 'superseded', 'listed, never replayed');
    // Gone from the letters that may be edited: a second edit of it is refused.
    await assert.rejects(f.sync.resend(9999, fixed, true), (err) => err.problem.code === 'notDeadLetter');
  });
});
