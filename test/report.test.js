'use strict';
// The report for the ministry (issue 14, point 3): built from the delivery journal and the
// queue of each store, on an injected clock; its printable page and CSV; through a flow and
// the admin endpoint against the sandbox.
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { MemoryStore } = require('../lib/outbox');
const { ThreadStore } = require('../lib/outbox/thread');
const { buildReport, reportHtml, reportCsv, reportXlsx, periodOf, spread, submittedAt } = require('../lib/report');
const { helper, start, withRuntime, outcome, records } = require('./support/flow');
const { dossier, progress, decision } = require('./support/records');

const DAY = 86_400_000;
const MIN = 60_000;
// 1 November 2026, 00:00 in Vietnam.
const NOV = Date.UTC(2026, 9, 31, 17);

function item(op, i, facts, hash = 'h') {
  const code = `000.00.18.H26-261101-${String(i).padStart(4, '0')}`;
  const key = op === 'progress' ? `progress:${code}|2026110${i % 9}080000` : `${op}:${code}`;
  return { owner: 'n1', op, key, hash: `${hash}${i}`, record: { MaHoSo: code }, original: {}, ...(facts ? { facts } : {}) };
}

const TC = (commune, submitted = '01/11/2026 00:30:00') => ({ procedure: '1.001776', province: '01', district: '001', commune, submitted });

/**
 * November 2026 on a moved clock: accepted the day before (counted in October), accepted and
 * delivered in November, delivered in December, refused, given up, replayed, skipped, waiting.
 */
async function november(store, clock) {
  clock.t = NOV - DAY; // 31 October
  await store.enqueue([item('dossier', 1, TC('00004'))]);
  clock.t = NOV + 2 * 3_600_000; // 1 November, 02:00
  await store.enqueue([item('dossier', 2, TC('00004')), item('dossier', 3, TC('00007')), item('dossier', 4, TC('00007')), item('decision', 2), item('progress', 3)]);
  clock.t += 30 * MIN;
  let got = await store.claim('n1', 10, MIN);
  const by = (code) => got.find((e) => e.record.MaHoSo.endsWith(code) && e.op === 'dossier') || got.find((e) => e.record.MaHoSo.endsWith(code));
  // Dossier 1 (October's) and 2 delivered at 02:30; the decision of 2 and the step of 3 too.
  await store.delivered([by('0001'), by('0002'), got.find((e) => e.op === 'decision'), got.find((e) => e.op === 'progress')], { status: 200, code: '0', ms: 40 });
  // Dossier 3 refused; dossier 4 retried.
  await store.dead([by('0003')], 'rejected', [{ field: 'MaXa', code: 'rejectedByServer', params: { message: 'Mã xã không hợp lệ' } }], { tried: true, exchange: { status: 200, code: '1', message: 'Mã xã không hợp lệ' } });
  await store.retry([by('0004')], [{ field: null, code: 'sendFailed' }], 0, { status: 503, code: 'serverError' });
  clock.t += 2 * 3_600_000; // 04:30
  got = await store.claim('n1', 10, MIN);
  await store.delivered(got, { status: 200, code: '0', ms: 50 }); // dossier 4, after 2.5 h
  // Dossier 2 again with the same content: skipped. Dossier 3 replayed, still waiting.
  await store.enqueue([item('dossier', 2, TC('00004'))]);
  await store.replay('n1', { keys: [item('dossier', 3).key] });
  // In December: dossier 5 accepted on 30 November, delivered on 1 December.
  clock.t = NOV + 29 * DAY + 12 * 3_600_000;
  await store.enqueue([item('dossier', 5, TC('00004', '30/11/2026 10:00:00'))]);
  clock.t = NOV + 30 * DAY + 3_600_000;
  got = (await store.claim('n1', 10, MIN)).filter((e) => e.record.MaHoSo.endsWith('0005'));
  await store.delivered(got, { status: 200, code: '0', ms: 30 });
}

function stores() {
  return [
    ['memory', (clock) => ({ store: new MemoryStore({ now: clock.now }), close: async () => {} })],
    ['SQLite', (clock) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'btxh-report-'));
      const store = new ThreadStore({ file: path.join(dir, 'outbox.sqlite'), now: clock.now });
      return { store, close: async () => { await store.close(); fs.rmSync(dir, { recursive: true, force: true }); } };
    }],
  ];
}

describe('report for the ministry', function () {
  for (const [name, make] of stores()) {
    it(`${name}: counts a month per operation, procedure and unit; acceptance, delays, decisions, refusals and the queue now`, async function () {
      const clock = { t: 0, now: () => clock.t };
      const { store, close } = make(clock);
      try {
        await november(store, clock);
        const r = await buildReport(store, { from: NOV, to: NOV + 30 * DAY }, () => 42);
        const row = (op, commune = '') => r.rows.find((x) => x.operation === op && x.commune === commune);
        const pick = (x) => x && { accepted: x.accepted, delivered: x.delivered, rejected: x.rejected, skipped: x.skipped, replayed: x.replayed, retried: x.retried, waiting: x.waiting, deadNow: x.deadNow };
        // Commune 00004: dossier 2 accepted (1 is October's, 5 is December's delivery but November's acceptance), 1 and 2 delivered in November.
        assert.deepStrictEqual(pick(row('DongBoDVC', '00004')), { accepted: 2, delivered: 2, rejected: 0, skipped: 1, replayed: 0, retried: 0, waiting: 0, deadNow: 0 });
        // Commune 00007: dossiers 3 (refused, replayed, waiting now) and 4 (retried, delivered).
        assert.deepStrictEqual(pick(row('DongBoDVC', '00007')), { accepted: 2, delivered: 1, rejected: 1, skipped: 0, replayed: 1, retried: 1, waiting: 1, deadNow: 0 });
        assert.deepStrictEqual(pick(row('FileQuyetDinh')), { accepted: 1, delivered: 1, rejected: 0, skipped: 0, replayed: 0, retried: 0, waiting: 0, deadNow: 0 }, 'decisions carry no unit: one row');
        assert.deepStrictEqual([row('DongBoDVC', '00004').procedure, row('DongBoDVC', '00004').province, row('DongBoDVC', '00004').district], ['1.001776', '01', '001']);
        assert.deepStrictEqual(r.totals.map((t) => [t.operation, t.accepted, t.delivered]), [['DongBoDVC', 4, 3], ['XuLyHoSo', 1, 1], ['FileQuyetDinh', 1, 1]]);
        assert.deepStrictEqual(r.rejectedBy, [{ operation: 'DongBoDVC', code: '1', message: 'Mã xã không hợp lệ', count: 1 }]);
        // Refused, replayed, waiting: failing until it is delivered, with what BTXH said.
        assert.deepStrictEqual(r.failing.map((x) => [x.dossier.slice(-4), x.operation, x.event, x.code, x.message]), [['0003', 'DongBoDVC', 'rejected', '1', 'Mã xã không hợp lệ']]);
        assert.deepStrictEqual(r.decisions, { dossiers: 3, withDecision: 1, share: 1 / 3 });
        // From acceptance: 1 day 2.5 h (dossier 1), 30 min (dossier 2), 2.5 h (dossier 4).
        assert.deepStrictEqual(r.delays.DongBoDVC.fromAcceptance, { count: 3, median: 2.5 * 3_600_000, p95: DAY + 2.5 * 3_600_000 });
        // From SubmittedDate (01/11 00:30, Vietnam's time): 2 h, 2 h, 4 h.
        assert.deepStrictEqual(r.delays.DongBoDVC.fromSubmission, { count: 3, median: 2 * 3_600_000, p95: 4 * 3_600_000 });
        assert.strictEqual(r.generatedAt, 42);
        const dec = await buildReport(store, { from: NOV + 30 * DAY, to: NOV + 61 * DAY });
        assert.deepStrictEqual(dec.totals.map((t) => [t.operation, t.accepted, t.delivered, t.waiting]), [['DongBoDVC', 0, 1, 1]], 'December: a delivery, nothing accepted; the queue now');
      } finally {
        await close();
      }
    });
  }

  it('lists refused and given-up records that were not delivered since, newest first', async function () {
    const clock = { t: NOV, now: () => clock.t };
    const store = new MemoryStore({ now: clock.now });
    await store.enqueue([item('dossier', 1, TC('00004')), item('dossier', 2, TC('00004'))]);
    const got = await store.claim('n1', 10, MIN);
    clock.t += MIN;
    await store.dead([got[0]], 'rejected', [], { tried: true, exchange: { status: 200, code: '1', message: 'CCCD 001150000009 không hợp lệ' } });
    clock.t += MIN;
    await store.dead([got[1]], 'undeliverable', [{ field: null, code: 'undeliverable', params: { days: 7 } }], { tried: true });
    const r = await buildReport(store, { from: NOV, to: NOV + DAY });
    assert.deepStrictEqual(r.failing.map((f) => [f.dossier.slice(-4), f.event, f.code, f.message]), [['0002', 'dead', undefined, undefined], ['0001', 'rejected', '1', 'CCCD 0011******09 không hợp lệ']]);
    assert.deepStrictEqual(r.totals.map((t) => [t.rejected, t.dead, t.deadNow]), [[1, 1, 2]]);
  });

  it('reads a journal larger than one chunk, and reads it all', async function () {
    const clock = { t: NOV, now: () => clock.t };
    const store = new MemoryStore({ now: clock.now });
    const n = 4500;
    await store.enqueue(Array.from({ length: n }, (_, i) => item('dossier', i, TC('00004'))));
    for (let got; (got = await store.claim('n1', 500, MIN)).length; ) {
      await store.delivered(got);
      await store.reported(got);
    }
    const r = await buildReport(store, { from: NOV, to: NOV + DAY });
    assert.deepStrictEqual(r.totals.map((t) => [t.accepted, t.delivered]), [[n, n]]);
  });

  it('periods in Vietnam\'s calendar, SubmittedDate in its wire shapes, percentiles by nearest rank', function () {
    const now = Date.UTC(2026, 11, 7, 3);
    assert.deepStrictEqual(periodOf(undefined, now), { from: Date.UTC(2026, 10, 30, 17), to: Date.UTC(2026, 11, 31, 17) }, 'this month');
    assert.deepStrictEqual(periodOf({ month: '2026-11' }), { from: NOV, to: NOV + 30 * DAY });
    assert.deepStrictEqual(periodOf({ day: '2026-11-01' }), { from: NOV, to: NOV + DAY });
    assert.deepStrictEqual(periodOf({ from: '2026-11-01', to: '2026-11-02' }), { from: NOV, to: NOV + 2 * DAY });
    for (const bad of [{ month: '2026-13' }, { month: 'tháng 11' }, { from: '2026-11-05', to: '2026-11-01' }, { day: 5 }, ['2026-11'], 'tháng này']) assert.strictEqual(periodOf(bad), undefined, JSON.stringify(bad));
    assert.strictEqual(submittedAt('01/11/2026 08:00:00'), NOV + 8 * 3_600_000);
    assert.strictEqual(submittedAt('2026-11-01 08:00:00'), NOV + 8 * 3_600_000);
    assert.strictEqual(submittedAt('20261101080000'), NOV + 8 * 3_600_000);
    assert.strictEqual(submittedAt('01/11/2026'), NOV);
    assert.strictEqual(submittedAt('hôm qua'), undefined);
    assert.deepStrictEqual(spread([]), { count: 0 });
    assert.deepStrictEqual(spread([5, 1, 3, 2, 4]), { count: 5, median: 3, p95: 5 });
    assert.deepStrictEqual(spread(Array.from({ length: 100 }, (_, i) => i + 1)), { count: 100, median: 50, p95: 95 });
  });

  it('prints in Vietnamese administrative style and in English, escaped; the CSV opens in a spreadsheet', async function () {
    const clock = { t: 0, now: () => clock.t };
    const store = new MemoryStore({ now: clock.now });
    await november(store, clock);
    const r = await buildReport(store, { from: NOV, to: NOV + 30 * DAY }, () => NOV + 35 * DAY);
    r.rejectedBy[0].message = 'Mã xã <b>sai</b>';
    const vi = reportHtml(r, 'vi', { connection: 'BTXH thử nghiệm' });
    assert.match(vi, /CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM/);
    assert.match(vi, /BÁO CÁO KẾT QUẢ KẾT NỐI HỆ THỐNG BTXH/);
    assert.ok(vi.includes('Từ ngày 01/11/2026 đến ngày 30/11/2026'), 'the period, both days included');
    assert.ok(vi.includes('Mã xã &lt;b&gt;sai&lt;/b&gt;') && !vi.includes('<b>sai'), 'a server message is text, never markup');
    assert.ok(vi.includes('1 / 3 (33.3 %)') || vi.includes('1 / 3 (33,3 %)'), 'decisions of dossiers');
    assert.match(vi, /2,5 giờ|2\.5 giờ/);
    const en = reportHtml(r, 'en-US');
    assert.match(en, /REPORT ON THE CONNECTION TO THE BTXH SYSTEM/);
    assert.ok(en.includes('From 01/11/2026 to 30/11/2026'));
    const csv = reportCsv(r, 'vi');
    assert.ok(csv.startsWith('\ufeffNghiệp vụ,Mã thủ tục,Mã tỉnh,Mã huyện,Mã xã,Tiếp nhận,Đã gửi'), csv.slice(0, 80));
    const lines = csv.trim().split('\n');
    assert.strictEqual(lines.length, 1 + r.rows.length);
    assert.ok(lines.includes('DongBoDVC,1.001776,01,001,00007,2,1,1,0,0,1,0,1,1,0'), lines.join('\n'));
    assert.ok(reportCsv(r, 'en-US').startsWith('\ufeffOperation,Procedure,Province'));
  });

  it('writes an Excel workbook: summary, totals, detail, refusals and the dossiers not delivered', async function () {
    const { unzipSync, strFromU8 } = require('fflate'); // in the tree with write-excel-file
    const clock = { t: 0, now: () => clock.t };
    const store = new MemoryStore({ now: clock.now });
    await november(store, clock);
    const r = await buildReport(store, { from: NOV, to: NOV + 30 * DAY }, () => NOV + 35 * DAY);
    const book = await reportXlsx(r, 'vi');
    assert.ok(Buffer.isBuffer(book) && book.subarray(0, 2).toString() === 'PK', 'a zip, as every .xlsx');
    const files = unzipSync(new Uint8Array(book));
    const workbook = strFromU8(files['xl/workbook.xml']);
    for (const name of ['Tóm tắt', 'Tổng hợp', 'Chi tiết', 'Lý do từ chối', 'Chưa gửi được']) assert.ok(workbook.includes(`name="${name}"`), name);
    const text = Object.entries(files).filter(([n]) => n.startsWith('xl/')).map(([, b]) => strFromU8(b)).join('\n');
    for (const s of ['BÁO CÁO KẾT QUẢ KẾT NỐI HỆ THỐNG BTXH', 'Mã xã không hợp lệ', '000.00.18.H26-261101-0003', '1.001776', '00007']) assert.ok(text.includes(s), s);
    const en = strFromU8(unzipSync(new Uint8Array(await reportXlsx(r, 'en-US')))['xl/workbook.xml']);
    assert.ok(en.includes('name="Not delivered"'));
  });
});

describe('report through a flow and the admin endpoint', function () {
  const t = withRuntime();

  it('msg.topic "report" answers this month\'s counts, CSV and HTML on request; the editor gets it from /btxh/<id>/report', async function () {
    const f = await start({ sandbox: t.sandbox });
    t.sandbox.faults({ rejectMaHoSo: [dossier(2).MaHoSo] });
    const settled = outcome(f, (s) => records(s) === 2 && s.notSent.length === 1);
    f.sync.receive({ payload: [dossier(1), dossier(2), dossier(3)] });
    await settled;
    const ask = async (payload) => {
      const got = outcome(f, (s) => s.sent.some((m) => m.topic === 'report') || s.caught.length > 0);
      f.sync.receive({ topic: 'report', payload });
      const s = await got;
      for (const k of ['sent', 'notSent', 'done', 'caught']) f[k].removeAllListeners('input');
      if (s.caught.length) return { error: s.caught[0].error.message };
      return s.sent.find((m) => m.topic === 'report');
    };
    const json = await ask(undefined);
    const dong = json.payload.totals.find((x) => x.operation === 'DongBoDVC');
    assert.deepStrictEqual([dong.accepted, dong.delivered, dong.rejected], [3, 2, 1]);
    assert.strictEqual(json.payload.rows.filter((x) => x.operation === 'DongBoDVC').reduce((n, x) => n + x.accepted, 0), 3);
    assert.ok(json.payload.rows.every((x) => x.procedure === '1.001776' && x.province === '01'), 'by the records\' own codes');
    assert.match(json.filename, /^bao-cao-btxh-\d{4}-\d{2}-01-\d{4}-\d{2}-\d{2}\.json$/);
    assert.strictEqual(json.payload.failing[0].dossier, dossier(2).MaHoSo);
    const csv = await ask({ format: 'csv', lang: 'en' });
    assert.ok(csv.payload.startsWith('\ufeffOperation,'), 'CSV text');
    assert.match(csv.filename, /\.csv$/);
    const xlsx = await ask({ format: 'xlsx' });
    assert.ok(Buffer.isBuffer(xlsx.payload) && xlsx.payload.subarray(0, 2).toString() === 'PK', 'the workbook');
    assert.match(xlsx.filename, /\.xlsx$/);
    const bad = await ask({ month: 'tháng 11' });
    assert.match(bad.error, /reportPeriod|report period/);
    const pdf = await ask({ format: 'pdf' });
    assert.match(pdf.error, /reportFormatUnknown|"pdf" is not one of/, 'an unknown format is said as such, not as a bad period');
    const page = await helper.request().get('/btxh/sync/report?format=html&lang=vi').expect(200);
    assert.match(page.headers['content-type'], /text\/html/);
    assert.match(page.text, /BÁO CÁO KẾT QUẢ KẾT NỐI HỆ THỐNG BTXH/);
    const viaAuth = await helper.request().get('/btxh/auth/report?format=csv').expect(200);
    assert.match(viaAuth.headers['content-disposition'], /attachment; filename="bao-cao-btxh-/);
    const book = await helper.request().get('/btxh/auth/report?format=xlsx').buffer(true).parse((res, cb) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    }).expect(200);
    assert.match(book.headers['content-type'], /spreadsheetml/);
    assert.strictEqual(book.body.subarray(0, 2).toString(), 'PK');
    const asJson = await helper.request().get('/btxh/auth/report').expect(200);
    assert.deepStrictEqual(JSON.parse(asJson.text).totals, json.payload.totals);
    await helper.request().get('/btxh/auth/report?month=2026-13').expect(400);
    await helper.request().get('/btxh/nothing/report').expect(404);
  });
});
