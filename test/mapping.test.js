'use strict';
const assert = require('assert');
const { helper, createSandbox, start, outcome, records, CREDS } = require('./support/flow');
const { dossier, progress } = require('./support/records');
const { operation } = require('../lib/fields');
const { rowsOf, applyMapping, prepareMapped, maskRecord, describeFields } = require('../lib/mapping');

/** A record as a typical one-stop database holds it: other column names than the BTXH table. */
function oneStop(i, extra = {}) {
  const d = dossier(i);
  return {
    MaHoSo: d.MaHoSo,
    MaTTHC: d.MaTTHC,
    ChuHoSo: d.HoVaTen,
    SoGiayToChuHoSo: d.CMND,
    NgaySinhChuHoSo: '19480314',
    TinhThanhChuHoSo: '01',
    QuanHuyenChuHoSo: '01.001',
    XaPhuongChuHoSo: '01.001.00004',
    NgayTiepNhan: '2025-11-03 08:15:00',
    TrangThaiHoSoId: '1',
    EformData: JSON.stringify({ GioiTinh: { Code: '2' }, DanToc: { Code: '01' } }),
    ...extra,
  };
}

const ONE_STOP = {
  HoVaTen: { type: 'msg', value: 'payload.ChuHoSo' },
  CMND: { type: 'msg', value: 'payload.SoGiayToChuHoSo' },
  NgayThangNamSinh: { type: 'msg', value: 'payload.NgaySinhChuHoSo' },
  MaTinh: { type: 'msg', value: 'payload.TinhThanhChuHoSo' },
  MaHuyen: { type: 'msg', value: 'payload.QuanHuyenChuHoSo' },
  MaXa: { type: 'msg', value: 'payload.XaPhuongChuHoSo' },
  SubmittedDate: { type: 'msg', value: 'payload.NgayTiepNhan' },
  StatusId: { type: 'msg', value: 'payload.TrangThaiHoSoId' },
  GioiTinhId: { type: 'jsonata', value: '$eval(payload.EformData).GioiTinh.Code' },
};

describe('field mapping (lib/mapping)', function () {
  const op = operation('dossier');

  it('keeps only rows that change something, in table order, and ignores unknown fields and types', () => {
    const { rows, ignored } = rowsOf(op, {
      SubmittedDate: { type: 'msg', value: 'payload.NgayTiepNhan' },
      HoVaTen: { type: 'default', value: '' },
      MaHoSo: { type: 'str', value: 'X' },
      NoSuchField: { type: 'msg', value: 'payload.x' },
      Email: { type: 'bin', value: '[]' },
    });
    assert.deepStrictEqual(rows.map((r) => r.field.name), ['MaHoSo', 'SubmittedDate']);
    assert.deepStrictEqual(ignored.sort(), ['Email', 'NoSuchField']);
    assert.deepStrictEqual(rowsOf(op, undefined).rows, []);
  });

  it('replaces a mapped field and every alias of it; undefined and notSent remove the field', () => {
    const raw = applyMapping(op, { HKTTC_MaTinh: '02', hktt_mahuyen: '024', HoVaTen: 'old', Other: 1 }, new Map([
      ['HKTT_MaTinh', { notSent: true }],
      ['HKTT_MaHuyen', { value: undefined }],
      ['HoVaTen', { value: 'Nguyễn Thị Hoa' }],
    ]));
    assert.deepStrictEqual(raw, { Other: 1, HoVaTen: 'Nguyễn Thị Hoa' });
  });

  it('reports an evaluation error once, as a field-level "mapping" error, and the record is not sent', () => {
    const input = dossier(1);
    const raw = applyMapping(op, input, new Map([['HoVaTen', { error: 'boom' }]]));
    const p = prepareMapped(op, raw, {});
    assert.strictEqual(p.record, null);
    assert.deepStrictEqual(p.errors, [{ field: 'HoVaTen', code: 'mapping', params: { message: 'boom' } }]);
    assert.ok(!Object.keys(raw).includes('HoVaTen'));
  });

  it('masks the personal id under any id-like key, as a known value and inside JSON columns', () => {
    const r = maskRecord(
      { SoGiayToChuHoSo: '001148003215', NguoiGui: '001148003215', Note: 'id 001148003215.', EformData: '{"SoGiayTo":"001148003215","HoVaTen":"A"}', Phone: '0912345678' },
      ['001148003215'],
    );
    assert.strictEqual(r.SoGiayToChuHoSo, '0011******15');
    assert.strictEqual(r.NguoiGui, '0011******15');
    assert.strictEqual(r.Note, 'id 0011******15.');
    assert.deepStrictEqual(JSON.parse(r.EformData), { SoGiayTo: '0011******15', HoVaTen: 'A' });
    assert.strictEqual(r.Phone, '0912345678', 'a phone number is not a personal id');
    assert.ok(!JSON.stringify(r).includes('001148003215'));
  });

  it('describes every field of the table for the editor', () => {
    const d = describeFields(operation('progress'));
    assert.strictEqual(d.fields.length, operation('progress').fields.length);
    const f = d.fields.find((x) => x.name === 'DonViXuLy');
    assert.deepStrictEqual(f.aliases, ['PhongBanXuLy']);
    assert.strictEqual(f.required, false);
    assert.ok(f.doc.vi && f.doc.en);
  });
});

describe('field mapping in the sync node (Node-RED runtime, sandbox)', function () {
  let sandbox;

  beforeEach(async () => {
    sandbox = await createSandbox({ port: 0, username: CREDS.username, password: CREDS.password });
    await new Promise((r) => helper.startServer(r));
  });

  afterEach(async () => {
    await helper.unload();
    await new Promise((r) => helper.stopServer(r));
    await sandbox.close();
    delete process.env.BTXH_TEST_EMAIL;
  });

  it('maps differently named columns per record when msg.payload is an array', async () => {
    const f = await start({ sandbox, node: { mapping: ONE_STOP } });
    const wait = outcome(f, (s) => records(s) === 2 && s.done.length === 1);
    const input = [oneStop(1), oneStop(2, { EformData: JSON.stringify({ GioiTinh: { Code: '1' } }) })];
    f.sync.receive({ payload: input, topic: 'batch' });
    const s = await wait;
    const [a, b] = s.sent[0].payload;
    assert.strictEqual(a.HoVaTen, dossier(1).HoVaTen);
    assert.strictEqual(b.HoVaTen, dossier(2).HoVaTen, 'each record reads its own payload');
    assert.strictEqual(a.CMND, dossier(1).CMND);
    assert.strictEqual(a.NgayThangNamSinh, '14/03/1948');
    assert.deepStrictEqual([a.MaTinh, a.MaHuyen, a.MaXa], ['01', '001', '00004']);
    assert.strictEqual(a.SubmittedDate, '03/11/2025 08:15:00');
    assert.strictEqual(a.StatusId, 1);
    assert.strictEqual(a.GioiTinhId, '1035');
    assert.strictEqual(b.GioiTinhId, '1034');
    assert.deepStrictEqual(sandbox.records('dossier').map((r) => r.record), s.sent[0].payload);
    assert.deepStrictEqual(s.notSent, []);
  });

  it('does not report the columns a msg source reads as unknown fields; others still are', () => {
    const { consumedKeys } = require('../lib/mapping');
    const { rows } = rowsOf(operation('dossier'), { HoVaTen: { type: 'msg', value: 'payload.ChuHoSo' }, CMND: { type: 'msg', value: 'payload["So Giay To"]' } });
    const keys = consumedKeys(rows);
    assert.deepStrictEqual([...keys].sort(), ['ChuHoSo', 'So Giay To']);
    const raw = applyMapping(operation('dossier'), { ...dossier(1), ChuHoSo: 'A', 'So Giay To': '001148003215', Extra: 1 }, new Map([['HoVaTen', { value: 'A' }], ['CMND', { value: '001148003215' }]]), keys);
    const p = prepareMapped(operation('dossier'), raw, {});
    const unknown = p.warnings.filter((w) => w.code === 'unknownFields');
    assert.deepStrictEqual(unknown.map((w) => w.params.names), ['Extra']);
  });

  it('evaluates str, num, env, flow and global sources and drops "not sent" fields with their aliases', async () => {
    process.env.BTXH_TEST_EMAIL = 'motcua@example.vn';
    const mapping = {
      MaTinh: { type: 'str', value: '01' },
      StatusId: { type: 'num', value: '3' },
      Email: { type: 'env', value: 'BTXH_TEST_EMAIL' },
      SoDienThoai: { type: 'flow', value: 'phone' },
      DonViXuLy: { type: 'global', value: 'office' }, // not a dossier field: ignored
      HKTT_MaThon: { type: 'global', value: 'hamlet' },
      HKTT_MaTinh: { type: 'notSent', value: '' },
    };
    const f = await start({ sandbox, node: { mapping } });
    f.sync.context().flow.set('phone', '0912 345 678');
    f.sync.context().global.set('hamlet', 'Tổ dân phố số 5');
    const wait = outcome(f, (s) => records(s) === 1 && s.done.length === 1);
    f.sync.receive({ payload: dossier(1, { MaTinh: '99', StatusId: 9, HKTTC_MaTinh: '02' }) });
    const s = await wait;
    const r = s.sent[0].payload[0];
    assert.strictEqual(r.MaTinh, '01');
    assert.strictEqual(r.StatusId, 3);
    assert.strictEqual(r.Email, 'motcua@example.vn');
    assert.strictEqual(r.SoDienThoai, '0912 345 678');
    assert.strictEqual(r.HKTT_MaThon, 'Tổ dân phố số 5');
    assert.ok(!('HKTT_MaTinh' in r), 'not sent, although the record spells it HKTTC_MaTinh');
  });

  it('an evaluation error sends that record to output 2 as invalid; its neighbours are delivered', async () => {
    const mapping = { HoVaTen: { type: 'jsonata', value: 'payload.Bad ? $error("bad record") : payload.ChuHoSo' } };
    const f = await start({ sandbox, node: { mapping } });
    const wait = outcome(f, (s) => records(s) === 1 && s.notSent.length === 1 && s.done.length === 1);
    const good = dossier(1, { ChuHoSo: 'Lò Văn Páo' });
    const bad = dossier(2, { ChuHoSo: 'x', Bad: true });
    f.sync.receive({ payload: [good, bad] });
    const s = await wait;
    assert.strictEqual(s.sent[0].payload[0].HoVaTen, 'Lò Văn Páo');
    const m = s.notSent[0];
    assert.deepStrictEqual(m.payload, bad, 'output 2 carries the record as received');
    assert.strictEqual(m.btxh.reason, 'invalid');
    assert.deepStrictEqual(m.btxh.errors.map((e) => [e.field, e.code]), [['HoVaTen', 'mapping']]);
    assert.match(m.btxh.errors[0].params.message, /bad record/);
    assert.deepStrictEqual(s.caught, [], 'no crash, no Catch');
  });

  it('a JSONata syntax error marks the field of every record, without stopping the node', async () => {
    const f = await start({ sandbox, node: { mapping: { HoVaTen: { type: 'jsonata', value: 'payload.(' } } } });
    const wait = outcome(f, (s) => s.notSent.length === 2 && s.done.length === 1);
    f.sync.receive({ payload: [dossier(1), dossier(2)] });
    const s = await wait;
    for (const m of s.notSent) assert.deepStrictEqual(m.btxh.errors.map((e) => e.code), ['mapping']);
    assert.strictEqual(sandbox.records('dossier').length, 0);
  });

  it('maps progress steps from the staff and step tables', async () => {
    const mapping = {
      TaiKhoanXuLy: { type: 'msg', value: 'payload.UserName' },
      NguoiXuLy: { type: 'msg', value: 'payload.FullName' },
      ChucDanh: { type: 'msg', value: 'payload.PositionName' },
      NoiDungXuLy: { type: 'msg', value: 'payload.ThaoTac' },
      ThoiDiemXuLy: { type: 'msg', value: 'payload.ThoiGian' },
    };
    const f = await start({ type: 'btxh-progress', sandbox, node: { mapping } });
    const wait = outcome(f, (s) => records(s) === 1 && s.done.length === 1);
    const p = progress(1);
    delete p.TaiKhoanXuLy; delete p.NguoiXuLy; delete p.ChucDanh; delete p.NoiDungXuLy; delete p.ThoiDiemXuLy;
    f.sync.receive({ payload: { ...p, UserName: 'cb.xa', FullName: 'Hà Thị Nguyệt', PositionName: 'Công chức LĐ-TBXH', ThaoTac: 'Tiếp nhận', ThoiGian: '2025-11-04 09:30:00' } });
    const s = await wait;
    const r = s.sent[0].payload[0];
    assert.deepStrictEqual([r.TaiKhoanXuLy, r.NguoiXuLy, r.ChucDanh, r.NoiDungXuLy, r.ThoiDiemXuLy], ['cb.xa', 'Hà Thị Nguyệt', 'Công chức LĐ-TBXH', 'Tiếp nhận', '20251104093000']);
  });
});

describe('the preset\'s JSONata idioms, natively (src/lib/idioms.ts)', function () {
  // Node-RED's own JSONata, as the sync node evaluates a mapping row.
  const { util } = require('@node-red/util');
  const node = { id: 'n1', type: 'btxh-dossier', context: () => ({ flow: { get() {}, keys() {} }, global: { get() {}, keys() {} } }) };
  const jsonata = (e) => {
    const expr = util.prepareJSONataExpression(e, node);
    return { evaluate: (msg) => new Promise((resolve, reject) => util.evaluateJSONataExpression(expr, msg, (err, v) => (err ? reject(err) : resolve(v)))) };
  };
  const { nativeOf, UNSURE } = require('../lib/idioms');
  const preset = require('../presets/3-one-stop-typical.json').mapping;
  const expressions = Object.values(preset.dossier).filter((s) => s.type === 'jsonata').map((s) => s.value);
  const forms = [
    '{"GioiTinh":{"Code":"2"},"DanToc":{"Code":"01"},"NgayCapGiayTo":"10/06/2021","NoiCapGiayTo":{"Name":"Công an tỉnh Sơn La"},"SoDienThoai":"0912345678","Email":"a@b.vn"}',
    { GioiTinh: { Code: 1 }, DanToc: { Code: 3 }, NoiCapGiayTo: { Name: null }, SoDienThoai: 912345678 },
    '{"DanToc":{"Code":"0"}}', '{"DanToc":{"Code":"55"}}', '{"DanToc":{"Code":"abc"}}', '{"DanToc":{"Code":""}}', '{"DanToc":{"Code":" 1"}}',
    '{"DanToc":{"Code":"1e1"}}', '{"DanToc":{"Code":true}}', '{"DanToc":{"Code":54}}', '{"DanToc":{"Code":1.5}}', '{"DanToc":[{"Code":"01"}]}',
    '{"GioiTinh":[{"Code":"1"},{"Code":"2"}]}', '{"GioiTinh":{"Code":{"x":1}}}', '{"GioiTinh":{"Code":[1,2]}}', '{"GioiTinh":null}', '{"GioiTinh":{"Code":null}}',
    "{'GioiTinh': {'Code': '2'}}", '', 'null', '"text"', '42', '[1,2]', '{not json', { GioiTinh: 'Nữ' }, null, 7, ['a'], new Date(0),
    Object.assign(Object.create(null), { GioiTinh: { Code: '2' } }),
  ];
  const records = [...forms.map((EformData) => ({ EformData })), {}, { Other: 1 }];

  it('every JSONata row of the dossier preset is an idiom; other expressions are not', function () {
    assert.strictEqual(expressions.length, 6);
    for (const e of expressions) assert.ok(nativeOf(e), e.slice(0, 80));
    assert.strictEqual(nativeOf('$e.A'), undefined);
    assert.strictEqual(nativeOf(preset.decision.Url.value), undefined);
  });

  it('answers as Node-RED\'s JSONata does wherever it answers, and hands the rest to it', async function () {
    let sure = 0;
    for (const e of expressions) {
      const native = nativeOf(e);
      const compiled = jsonata(e);
      for (const payload of records) {
        let want;
        try {
          want = { value: await compiled.evaluate({ payload }) };
        } catch (err) {
          want = { error: true };
        }
        const got = native(payload, new Map());
        if (got === UNSURE) continue;
        sure++;
        assert.deepStrictEqual({ value: got }, want, `${e.slice(0, 60)}… on ${JSON.stringify(payload)}`);
      }
    }
    assert.ok(sure > 100, `most inputs answered natively (${sure})`);
  });
});

describe('msg sources read without a promise (src/nodes/mapping.ts)', function () {
  // Node-RED's own util, as the runtime hands it to the sync node.
  const { util } = require('@node-red/util');
  const { compileMapping } = require('../nodes/mapping');
  const { mappingProblems } = require('../lib/mapping');
  const node = { id: 'n1', type: 'btxh-dossier', context: () => ({ flow: { get() {}, keys() {} }, global: { get() {}, keys() {} } }) };
  const RED = { util };
  const paths = [
    'payload.ChuHoSo', 'msg.payload.ChuHoSo', 'payload["Chu Ho So"]', "payload['ChuHoSo']", 'payload.a.b', 'payload.a.b.c', 'payload.list[1]',
    'payload.list.length', 'topic', 'topic.length', 'meta.who', 'payload[msg.topic]', 'payload..x', 'payload[', 'payload.__proto__', 'payload',
  ];
  const records = [
    { ChuHoSo: 'Lò Văn Páo', 'Chu Ho So': 'Vàng Thị Mỷ', a: { b: 'x' }, list: ['p', 'q'] },
    { ChuHoSo: null, a: null, list: [] },
    { a: { b: { c: 0 } } },
    {},
  ];
  const msg = { topic: 'ChuHoSo', meta: { who: 'Trần Văn Bảy' } };

  it('answers what Node-RED\'s evaluateNodeProperty answers, value or error, for every path', function () {
    const op = operation('dossier');
    let read = 0;
    for (const value of paths) {
      const map = compileMapping(RED, node, op, { HoVaTen: { type: 'msg', value } });
      for (const record of records) {
        let want;
        util.evaluateNodeProperty(value, 'msg', node, { ...msg, payload: record }, (err, v) => (want = err ? { error: err.message } : { value: v }));
        const raw = map(record, msg);
        const fast = !(raw instanceof Promise);
        // The nested reference is parsed per message, as Node-RED does: only that path waits.
        assert.strictEqual(fast, value !== 'payload[msg.topic]', value);
        if (!fast) continue;
        read++;
        const failed = mappingProblems(raw);
        const got = failed.length ? { error: failed[0].params.message } : { value: raw.HoVaTen };
        assert.deepStrictEqual(got, want, `${value} on ${JSON.stringify(record)}`);
      }
    }
    assert.strictEqual(read, (paths.length - 1) * records.length);
  });

  it('the per-record message is the record as payload and leaves the input message as it was', async function () {
    const map = compileMapping(RED, node, operation('dossier'), { HoVaTen: { type: 'msg', value: 'payload[msg.topic]' }, CMND: { type: 'msg', value: 'meta.who' } });
    const input = { ...msg };
    const raw = await map({ ChuHoSo: 'Hà Thị Nguyệt' }, input);
    assert.deepStrictEqual([raw.HoVaTen, raw.CMND], ['Hà Thị Nguyệt', 'Trần Văn Bảy']);
    assert.deepStrictEqual(input, msg);
  });
});
