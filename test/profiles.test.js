'use strict';
// D20 (issue 15, point 2): field profiles. The annex's table is the default; the deployed
// superset is a second field table, chosen per connection, that the normaliser, the wire check,
// the dialog's Fields tab and preview, the sandbox and the pull all follow; names sent under
// another spelling (SubmitedDate) are a connection setting, never both; CertificateExtentData
// is XML built and read by fast-xml-parser.
const assert = require('assert');
const http = require('http');
const { XMLParser } = require('fast-xml-parser');
const { operation, profiles, EMIT_NAMES } = require('../lib/fields');
const { prepare } = require('../lib/normalise');
const { inspectWire } = require('../lib/schema');
const { checkSetting } = require('../lib/setting-text');
const { Connection } = require('../lib/client');
const { Puller } = require('../lib/pull/puller');
const { MemoryStore } = require('../lib/outbox');
const { createSandbox } = require('../sandbox/server');
const { helper, start, withRuntime, outcome, records } = require('./support/flow');
const { dossier } = require('./support/records');

const annex = operation('dossier');
const deployed = operation('dossier', 'deployed');
const LINK = 'https://motcua.hanoi.gov.vn/files/ketqua/QD-12.pdf?ma=HS1&v=2';
const papersOf = (xml) => new XMLParser({ parseTagValue: false, isArray: (n) => n === 'GiayToKetQua' }).parse(xml).ExtentData.DanhSachGiayToKetQua.GiayToKetQua;

/** The superset fields a deployed province fills, as its one-stop database would give them. */
function superset(i, over = {}) {
  return {
    ...dossier(i),
    LoaiDuLieu: '100', MaLinhVuc: 'BTXH', TenLinhVuc: 'Bảo trợ xã hội', SoQuyetDinh: '125/QĐ-UBND', CoQuanBanHanh: 'UBND quận Ba Đình',
    TrichYeu: 'Về việc hưởng trợ cấp xã hội hàng tháng', NgayBanHanh: '2025-11-20', NgayTiepNhan: '2025-11-03 08:15', KenhThucHien: '2',
    LoaiDinhDanh: '1', SoDinhDanh: dossier(i).CMND, DuongDanTepTinKetQua: LINK,
    ...over,
  };
}

describe('D20: field profiles', function () {
  it('the deployed DongBoDVC table is the annex\'s 27 fields, in order, then 20 more; the other operations are the annex\'s', function () {
    assert.strictEqual(annex.fields.length, 27);
    assert.strictEqual(deployed.fields.length, 47);
    assert.deepStrictEqual(deployed.fields.slice(0, 27).map((f) => f.name), annex.fields.map((f) => f.name));
    assert.ok(deployed.fields.slice(27).every((f) => !f.required && f.doc.vi && f.doc.en), 'every added field is optional and documented in both languages');
    for (const n of ['SoQuyetDinh', 'NgayBanHanh', 'NgayTiepNhan', 'LoaiDinhDanh', 'SoDinhDanh', 'UrlDetail', 'CertificateExtentData']) assert.ok(deployed.fields.some((f) => f.name === n), n);
    assert.strictEqual(operation('progress', 'deployed'), operation('progress'));
    assert.strictEqual(operation('DongBoDVC', 'deployed'), deployed, 'by API name too');
    const spellings = deployed.fields.flatMap((f) => [f.name, ...(f.aliases ?? [])].map((n) => n.toLowerCase()));
    assert.strictEqual(new Set(spellings).size, spellings.length, 'no name or alias twice: every input column reaches one field');
    assert.deepStrictEqual(EMIT_NAMES, { annex: {}, deployed: { SubmittedDate: 'SubmitedDate' } });
  });

  it('a superset record is normalised and checked by the deployed table; the annex\'s refuses its extra columns as unknown, never sends them', function () {
    const p = prepare(deployed, superset(1));
    assert.deepStrictEqual(p.errors, []);
    assert.strictEqual(p.record.NgayTiepNhan, '03/11/2025 08:15:00');
    assert.strictEqual(p.record.NgayBanHanh, '20/11/2025');
    assert.deepStrictEqual(papersOf(p.record.CertificateExtentData).map((g) => g.DuongDanTepTinKetQua), [LINK]);
    assert.deepStrictEqual(inspectWire(deployed, p.record).errors, [], 'the wire check agrees');
    const a = prepare(annex, superset(1));
    assert.ok(a.record && !('SoQuyetDinh' in a.record) && !('CertificateExtentData' in a.record));
    assert.ok(a.warnings.some((w) => w.code === 'unknownFields' && /SoQuyetDinh/.test(w.params.names)), 'said, not silent');
    const bad = prepare(deployed, superset(2, { SoDinhDanh: '12345', NgayTiepNhan: '31/02/2025 08:00' }));
    assert.deepStrictEqual(bad.errors.map((e) => e.field).sort(), ['NgayTiepNhan', 'SoDinhDanh']);
  });

  it('CertificateExtentData is built by the XML library from a link, a paper or a list, and read back from XML: escaped, never concatenated', function () {
    const build = (v) => prepare(deployed, superset(3, { DuongDanTepTinKetQua: undefined, CertificateExtentData: v }));
    const tricky = { TenGiayTo: 'Quyết định <số 12> & "trợ cấp"', GiayToId: '007', DuongDanTepTinKetQua: LINK };
    const fromObject = build(tricky).record.CertificateExtentData;
    assert.match(fromObject, /^<ExtentData><DanhSachTaiLieuNop><\/DanhSachTaiLieuNop><DanhSachGiayToKetQua><GiayToKetQua><TenGiayTo>/);
    assert.ok(fromObject.includes('&lt;số 12&gt; &amp;') && fromObject.includes('ma=HS1&amp;v=2'), fromObject);
    assert.deepStrictEqual(papersOf(fromObject)[0], { TenGiayTo: tricky.TenGiayTo, MaThanhPhanHoSo: '', GiayToId: '007', DuongDanTepTinKetQua: LINK, MaGiayToKetQua: '' }, 'the parser reads back exactly what was given');
    assert.strictEqual(build(fromObject).record.CertificateExtentData, fromObject, 'XML in, the same XML out');
    assert.strictEqual(papersOf(build([tricky, { DuongDanTepTinKetQua: 'https://a.vn/2.pdf' }]).record.CertificateExtentData).length, 2);
    assert.strictEqual(papersOf(build(LINK).record.CertificateExtentData)[0].DuongDanTepTinKetQua, LINK);
    const refused = (v) => build(v).errors.map((e) => `${e.field} ${e.code}`);
    assert.deepStrictEqual(refused('<ExtentData><GiayToKetQua></ExtentData>'), ['CertificateExtentData extentData']);
    assert.deepStrictEqual(refused('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><ExtentData>&e;</ExtentData>'), ['CertificateExtentData extentData']);
    assert.deepStrictEqual(refused('ketqua/QD-12.pdf'), ['CertificateExtentData extentLink']);
    assert.deepStrictEqual(refused({ TenGiayTo: 'x' }), ['CertificateExtentData extentLink']);
    assert.deepStrictEqual(refused('<Khac/>'), ['CertificateExtentData extentData']);
    assert.deepStrictEqual(inspectWire(deployed, { ...build(LINK).record, CertificateExtentData: '<ExtentData>' }).errors.map((e) => e.code), ['extentData'], 'the wire check reads it too');
  });

  it('the names a connection emits: a field of its tables to a name no other field has', function () {
    const fields = Object.values(profiles.deployed).flatMap((o) => o.fields);
    assert.strictEqual(checkSetting('emitNames', 'emitNames', '{"SubmittedDate": "SubmitedDate"}', fields), undefined);
    assert.strictEqual(checkSetting('emitNames', 'emitNames', '{"SubmittedDate": "SubmittedDate"}', fields), undefined, 'as it is');
    assert.strictEqual(checkSetting('emitNames', 'emitNames', '{"NgayGui": "X"}', fields).code, 'settingEmitName', 'not a field');
    assert.strictEqual(checkSetting('emitNames', 'emitNames', '{"SubmittedDate": "NgayTiepNhan"}', fields).code, 'settingEmitName', 'another field\'s name: both would be sent');
    assert.strictEqual(checkSetting('emitNames', 'emitNames', '{"SubmittedDate": "Submited Date"}', fields).code, 'settingEmitName');
  });

  it('the connection sends the renamed field under its one name, in place, and nothing else changes', async function () {
    const bodies = [];
    const server = http.createServer((req, res) => {
      let b = '';
      req.on('data', (d) => (b += d));
      req.on('end', () => {
        bodies.push(JSON.parse(b));
        res.setHeader('content-type', 'application/json');
        res.end('{"error_code": 0, "message": "ok"}');
      });
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${server.address().port}`;
    try {
      const rec = prepare(deployed, superset(4)).record;
      const conn = new Connection({ baseUrl: url, mode: 'key', key: 'k', emitNames: { SubmittedDate: 'SubmitedDate' } });
      assert.strictEqual((await conn.send('DongBoDVC', [rec])).ok, true);
      const sent = bodies[0];
      assert.strictEqual(sent.SubmitedDate, rec.SubmittedDate);
      assert.ok(!('SubmittedDate' in sent), 'never both');
      assert.deepStrictEqual(Object.keys(sent), [...Object.keys(rec).map((k) => (k === 'SubmittedDate' ? 'SubmitedDate' : k)), 'AcceptKey'], 'in place');
      assert.ok(!('SubmitedDate' in rec), 'the record itself keeps the table\'s name (outbox, hash, history)');
      conn.close();
    } finally {
      server.close();
    }
  });

  it('a pull from a deployed BTXH hands over the superset fields too, the XML read and written again', async function () {
    const sandbox = await createSandbox({ port: 0, key: 'k' });
    try {
      const p = prepare(deployed, superset(5)).record;
      sandbox.register([p], Date.now() - 3_600_000);
      const conn = new Connection({ baseUrl: sandbox.url, mode: 'key', key: 'k' });
      const run = await new Puller({ owner: 'p', units: { MaTinh: '01' }, store: new MemoryStore(), pull: (q) => conn.pull(q), settings: { profile: 'deployed' } }).run();
      assert.deepStrictEqual(run.invalid, []);
      const got = run.pulled[0].record;
      assert.deepStrictEqual([got.SoQuyetDinh, got.NgayTiepNhan, got.CertificateExtentData], [p.SoQuyetDinh, p.NgayTiepNhan, p.CertificateExtentData]);
      assert.ok('certificateExtentData' in run.pulled[0].raw, 'BTXH sent it camelCase');
      conn.close();
    } finally {
      await sandbox.close();
    }
  });

  describe('in a real Node-RED runtime against the sandbox', function () {
    const t = withRuntime({ profile: 'deployed' });

    it('a connection with the deployed profile delivers a superset record to a deployed BTXH; one with the annex\'s is refused for want of SubmitedDate', async function () {
      let f = await start({ sandbox: t.sandbox, auth: { profile: 'deployed' } });
      let settled = outcome(f, (s) => records(s) === 1 || s.notSent.length > 0);
      f.sync.receive({ payload: superset(6) });
      let s = await settled;
      assert.deepStrictEqual(s.notSent.map((m) => m.btxh.errors), []);
      const stored = t.sandbox.records('dossier')[0].record;
      assert.deepStrictEqual([stored.SoQuyetDinh, stored.SubmittedDate], ['125/QĐ-UBND', '03/11/2025 08:15:00']);
      assert.deepStrictEqual(papersOf(stored.CertificateExtentData).map((g) => g.DuongDanTepTinKetQua), [LINK]);
      await helper.unload();

      f = await start({ sandbox: t.sandbox, auth: { profile: 'annex' } });
      settled = outcome(f, (x) => records(x) === 1 || x.notSent.length > 0);
      f.sync.receive({ payload: dossier(7) });
      s = await settled;
      assert.strictEqual(s.notSent.length, 1);
      assert.match(JSON.stringify(s.notSent[0].btxh.errors), /SubmitedDate/);
    });

    it('the Fields tab and the preview follow the profile the dialog has chosen', async function () {
      await start({ sandbox: t.sandbox, auth: { profile: 'deployed' } });
      const a = await helper.request().get('/btxh/fields/dossier').expect(200).then((r) => r.body);
      const d = await helper.request().get('/btxh/fields/dossier?profile=deployed').expect(200).then((r) => r.body);
      assert.deepStrictEqual([a.profile, a.fields.length, d.profile, d.fields.length], ['annex', 27, 'deployed', 47]);
      const p = await helper.request().post('/btxh/preview/dossier').send({ record: superset(8), profile: 'deployed', lang: 'en-US' }).expect(200).then((r) => r.body);
      assert.deepStrictEqual(p.errors, []);
      assert.strictEqual(p.settings.profile, 'deployed');
      assert.match(p.record.CertificateExtentData, /^<ExtentData>/);
      const q = await helper.request().post('/btxh/preview/dossier').send({ record: superset(8), auth: 'auth', lang: 'en-US' }).expect(200).then((r) => r.body);
      assert.strictEqual(q.settings.profile, 'deployed', 'the deployed connection\'s, when the dialog does not say');
    });
  });
});
