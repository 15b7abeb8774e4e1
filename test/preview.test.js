'use strict';
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { helper, createSandbox, start, outcome, records, CREDS } = require('./support/flow');
const { dossier, progress } = require('./support/records');
const { operation } = require('../lib/fields');
const { SOURCE_TYPES } = require('../lib/mapping');

const PRESETS = path.join(__dirname, '..', 'presets');
const preset = (id) => JSON.parse(fs.readFileSync(path.join(PRESETS, `${id}.json`), 'utf8'));

/** A dossier row of a typical one-stop database (api.md "Data shapes"). */
function hoSo(extra = {}) {
  return {
    MaHoSo: '000.00.18.H26-251103-0001',
    MaTTHC: '2.0000286',
    ChuHoSo: 'Nguyễn Thị Hoa',
    SoGiayToChuHoSo: '001148003215',
    NguoiGui: '001148003215',
    NgaySinhChuHoSo: '14/03/1948',
    DiaChiChuHoSo: 'Số 12 ngõ 34 Trúc Bạch',
    TinhThanhChuHoSo: '01',
    QuanHuyenChuHoSo: '01.001',
    XaPhuongChuHoSo: '01.001.00004',
    NgayTiepNhan: '2025-11-03T08:15:00+07:00',
    TrangThaiHoSoId: '1',
    EformData: JSON.stringify({ HoVaTen: 'Nguyễn Thị Hoa', SoGiayTo: '001148003215', NgayCapGiayTo: '10/06/2021', NoiCapGiayTo: { Name: 'Cục Cảnh sát QLHC về TTXH' }, DanToc: { Code: '01' }, GioiTinh: { Code: '2' }, SoDienThoai: '0912345678' }),
    ...extra,
  };
}

describe('editor endpoints: field tables, presets, live preview (Node-RED runtime)', function () {
  let sandbox;
  let f;
  const post = (op, body) => helper.request().post(`/btxh/preview/${op}`).send(body);

  beforeEach(async () => {
    sandbox = await createSandbox({ port: 0, username: CREDS.username, password: CREDS.password });
    await new Promise((r) => helper.startServer(r));
    f = await start({ sandbox, auth: { statusMap: '{"10": 4}' }, node: { mapping: { HoVaTen: { type: 'str', value: 'the deployed mapping' } } } });
  });

  afterEach(async () => {
    await helper.unload();
    await new Promise((r) => helper.stopServer(r));
    await sandbox.close();
  });

  it('serves the field table the runtime uses', async () => {
    for (const op of ['dossier', 'progress', 'decision']) {
      const res = await helper.request().get(`/btxh/fields/${op}`).expect(200);
      const table = operation(op);
      assert.deepStrictEqual(res.body.fields.map((x) => x.name), table.fields.map((x) => x.name));
      assert.deepStrictEqual(res.body.fields.map((x) => x.required), table.fields.map((x) => x.required));
      assert.deepStrictEqual(res.body.fields.map((x) => x.max ?? null), table.fields.map((x) => x.max ?? null));
      assert.ok(res.body.fields.every((x) => x.doc.vi && x.doc.en));
    }
    await helper.request().get('/btxh/fields/nope').expect(404);
  });

  it('serves three presets whose rows name real fields and valid source types', async () => {
    const res = await helper.request().get('/btxh/presets').expect(200);
    assert.deepStrictEqual(res.body.map((p) => p.id), ['1-spec-names', '2-seed-examples', '3-one-stop-typical']);
    for (const p of res.body) {
      assert.ok(p.name.vi && p.name.en && p.description.vi && p.description.en, `${p.id} is described in both languages`);
      for (const op of ['dossier', 'progress', 'decision']) {
        const names = new Set(operation(op).fields.map((x) => x.name));
        for (const [field, src] of Object.entries(p.mapping[op])) {
          assert.ok(names.has(field), `${p.id}: ${op}.${field} is a field`);
          assert.ok(['notSent', ...SOURCE_TYPES].includes(src.type), `${p.id}: ${op}.${field} type ${src.type}`);
        }
      }
    }
  });

  it('previews a one-stop row with the typical preset: the record as sent, the personal id masked everywhere', async () => {
    const res = await post('dossier', { id: 'sync', auth: 'auth', mapping: preset('3-one-stop-typical').mapping.dossier, record: hoSo({ TrangThaiHoSoId: '10' }), lang: 'en-US' }).expect(200);
    const r = res.body.record;
    assert.deepStrictEqual(res.body.errors, []);
    assert.strictEqual(r.HoVaTen, 'Nguyễn Thị Hoa', 'the dialog mapping, not the deployed one');
    assert.strictEqual(r.MaTTHC, '2.000286');
    assert.deepStrictEqual([r.MaTinh, r.MaHuyen, r.MaXa], ['01', '001', '00004']);
    assert.strictEqual(r.GioiTinhId, '1035');
    assert.strictEqual(r.DanTocId, '29', 'GSO code 01 of EformData read as Kinh');
    assert.strictEqual(r.StatusId, 4, 'the deployed connection\'s StatusId mapping applies');
    assert.strictEqual(r.CMND_NoiCap, '1047');
    assert.strictEqual(r.CMND_NgayCap, '10/06/2021');
    assert.strictEqual(r.SubmittedDate, '03/11/2025 08:15:00');
    assert.strictEqual(r.CMND, '0011******15');
    assert.strictEqual(res.body.settings.deployed, true);
    assert.ok(!JSON.stringify(res.body).includes('001148003215'), 'no full personal id in the answer');
  });

  it('renders every error and warning in the editor language', async () => {
    const record = hoSo({ NgaySinhChuHoSo: '31/02/1950', XaPhuongChuHoSo: '' });
    const mapping = preset('3-one-stop-typical').mapping.dossier;
    const en = (await post('dossier', { mapping, record, lang: 'en-US' }).expect(200)).body;
    const vi = (await post('dossier', { mapping, record, lang: 'vi' }).expect(200)).body;
    assert.strictEqual(en.record, null);
    assert.deepStrictEqual(en.errors.map((e) => e.field).sort(), ['MaXa', 'NgayThangNamSinh']);
    assert.deepStrictEqual(vi.errors.map((e) => e.code), en.errors.map((e) => e.code));
    const req = (b) => b.errors.find((e) => e.field === 'MaXa').message;
    assert.match(req(en), /required/);
    assert.match(req(vi), /bắt buộc/);
    assert.ok(en.warnings.length > 0 && vi.warnings.every((w, i) => w.message && w.code === en.warnings[i].code));
    assert.strictEqual(en.settings.deployed, false, 'no connection chosen: default settings');
  });

  it('reports a mapping that fails to evaluate as an error of its field', async () => {
    const body = (await post('dossier', { mapping: { HoVaTen: { type: 'jsonata', value: '$error("no name")' } }, record: dossier(1), lang: 'en-US' }).expect(200)).body;
    assert.deepStrictEqual(body.errors.map((e) => [e.field, e.code]), [['HoVaTen', 'mapping']]);
    assert.match(body.errors[0].message, /no name/);
  });

  it('previews the last record the deployed node received, masked, with the mapping in the dialog', async () => {
    let res = await post('dossier', { id: 'sync', auth: 'auth', last: true, mapping: {} });
    assert.strictEqual(res.status, 404);
    assert.strictEqual(res.body.error, 'noLastRecord');

    const wait = outcome(f, (s) => records(s) === 1 && s.done.length === 1);
    f.sync.receive({ payload: [dossier(7, { StatusId: '10' })] });
    const s = await wait;
    assert.strictEqual(s.sent[0].payload[0].HoVaTen, 'the deployed mapping');

    res = await post('dossier', { id: 'sync', auth: 'auth', last: true, mapping: {}, lang: 'vi' }).expect(200);
    assert.strictEqual(res.body.source, 'last');
    assert.strictEqual(res.body.input.MaHoSo, dossier(7).MaHoSo);
    assert.strictEqual(res.body.input.CMND, '0011******07');
    assert.strictEqual(res.body.record.HoVaTen, dossier(7).HoVaTen, 'the mapping of the dialog (default), not the deployed one');
    assert.strictEqual(res.body.record.StatusId, 4);
    assert.ok(!JSON.stringify(res.body).includes(dossier(7).CMND));
  });

  it('previews progress steps of the typical schema and reports a missing deadline', async () => {
    const step = { MaHoSo: 'H26-0001', UserName: 'cb.xa', FullName: 'Hà Thị Nguyệt', PositionName: 'Công chức', OfficeName: 'UBND xã', ThaoTac: 'Tiếp nhận', ThoiGian: '2025-11-04 09:30:00', NgayHetHanBuocXuLy: '', TrangThai: 2 };
    const body = (await post('progress', { mapping: preset('3-one-stop-typical').mapping.progress, record: step, dateFormats: '{"ThoiDiemXuLy": "dd/MM/yyyy HH:mm:ss"}', lang: 'en-US' }).expect(200)).body;
    assert.deepStrictEqual(body.errors.map((e) => [e.field, e.code]), [['NgayKetThucTheoQuyDinh', 'required']]);
    const ok = (await post('progress', { mapping: preset('3-one-stop-typical').mapping.progress, record: { ...step, NgayHetHanBuocXuLy: '2025-11-14 17:00:00' }, dateFormats: '{"ThoiDiemXuLy": "dd/MM/yyyy HH:mm:ss"}' }).expect(200)).body;
    assert.strictEqual(ok.record.ThoiDiemXuLy, '04/11/2025 09:30:00', 'the date formats typed in the dialog apply');
    assert.strictEqual(ok.record.NgayBatDau, '20251104093000');
    assert.strictEqual(ok.record.DonViXuLy, 'UBND xã');
  });

  it('the seed-spelling preset reads the seed example spellings', async () => {
    const body = (await post('progress', { mapping: preset('2-seed-examples').mapping.progress, record: progress(1, { ' UserIdCreated': 'admin' }) }).expect(200)).body;
    assert.deepStrictEqual(body.errors, []);
    assert.strictEqual(body.record.DonViXuLy, progress(1).PhongBanXuLy);
    assert.strictEqual(body.record.UseridCreated, 'admin');
  });

  it('the typical preset builds the decision Url from DinhKemKetQua and BTXH_FILE_BASE_URL', async () => {
    process.env.BTXH_FILE_BASE_URL = 'https://motcua.example.vn/files/';
    try {
      const row = { MaHoSo: 'H26-0001', ChuHoSo: 'Nguyễn Thị Hoa', SoGiayToChuHoSo: '001148003215', DinhKemKetQua: 'qd/2025/qd-0001.pdf##qd/2025/phu-luc.pdf' };
      const body = (await post('decision', { mapping: preset('3-one-stop-typical').mapping.decision, record: row }).expect(200)).body;
      assert.deepStrictEqual(body.errors, []);
      assert.strictEqual(body.record.Url, 'https://motcua.example.vn/files/qd/2025/qd-0001.pdf');
    } finally {
      delete process.env.BTXH_FILE_BASE_URL;
    }
  });
});
