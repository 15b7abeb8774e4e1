'use strict';
// The normaliser (prepare) and wire validation (checkWire): one table per decision of api.md.
const assert = require('assert');
const { prepare } = require('../lib/normalise');
const { checkWire, inspectWire, jsonSchema, schema } = require('../lib/schema');
const { dossier, progress, decision, operation } = require('../lib/fields');

// Synthetic, realistic inputs (Phường Phúc Xá, Quận Ba Đình, Hà Nội: 01 / 001 / 00001 before 2025).
const DOSSIER = {
  MaHoSo: '000.00.18.H26-250612-0007',
  MaTTHC: '1.001776',
  TenTTHC: 'Thực hiện, điều chỉnh, thôi hưởng trợ cấp xã hội hàng tháng',
  HoVaTen: 'Lò Thị Mai',
  NgayThangNamSinh: '04/03/1950',
  GioiTinhId: 'Nữ',
  DanTocId: 'Thái',
  CMND: '001195012345',
  CMND_NgayCap: '2021-08-15',
  CMND_NoiCap: 'Cục Cảnh sát QLHC về TTXH',
  MaTinh: '01', MaHuyen: '001', MaXa: '00001',
  HKTT_MaTinh: '01', HKTT_MaHuyen: '001', HKTT_MaXa: '00004', HKTT_MaThon: 'Tổ dân phố 3', HKTT_ChiTiet: 'Số 12 ngõ 45 phố Phúc Xá',
  SoDienThoai: '0912 345 678',
  Email: 'lothimai@example.vn',
  StatusId: 1,
  SubmittedDate: '12/06/2025 08:30:00',
};
const PROGRESS = {
  MaHoSo: '000.00.18.H26-250612-0007',
  TaiKhoanXuLy: 'nguyenvanan.ldtbxh',
  NguoiXuLy: 'Nguyễn Văn An',
  ChucDanh: 'Chuyên viên',
  ThoiDiemXuLy: '2025-06-13 09:15:00',
  DonViXuLy: 'Phòng Lao động - Thương binh và Xã hội quận Ba Đình',
  NoiDungXuLy: 'Thẩm định hồ sơ, trình Chủ tịch UBND quận',
  StatusId: 2,
  NgayBatDau: '13/06/2025 08:00',
  NgayKetThucTheoQuyDinh: '20/06/2025 17:00:00',
};
const DECISION = {
  MaHoSo: '000.00.18.H26-250612-0007',
  HoVaTen: 'Lò Thị Mai',
  CMND: '001195012345',
  Url: 'https://motcua.hanoi.gov.vn/files/qd/QD-1234-UBND.pdf',
};
const BASE = { dossier: DOSSIER, progress: PROGRESS, decision: DECISION };
const OPS = { dossier, progress, decision };

function run(op, patch = {}, settings) {
  const input = { ...BASE[op.id] };
  for (const [k, v] of Object.entries(patch)) {
    if (v === DROP) delete input[k];
    else input[k] = v;
  }
  return prepare(op, input, settings);
}
const DROP = Symbol('drop');
const has = (list, field, code) => list.some((p) => p.field === field && p.code === code);
const show = (r) => JSON.stringify({ errors: r.errors, warnings: r.warnings });

/**
 * Row: [title, op, patch, expectation, settings]. Expectation:
 *  {field, value}            no error, record[field] deep-equals value
 *  {field, omitted: true}    no error, field absent from the record
 *  {field, error: code}      record null, that error present
 *  {field, warning: code}    that warning present (combined with value/omitted)
 */
function table(title, rows) {
  describe(title, () => {
    for (const [name, op, patch, want, settings] of rows) {
      it(name, () => {
        const r = run(op, patch, settings);
        if (want.error) {
          assert.strictEqual(r.record, null, `expected an error, got ${JSON.stringify(r.record && r.record[want.field])}`);
          assert.ok(has(r.errors, want.field, want.error), `expected ${want.field}/${want.error} in ${show(r)}`);
          return;
        }
        assert.deepStrictEqual(r.errors, [], show(r));
        if ('value' in want) assert.deepStrictEqual(r.record[want.field], want.value);
        if (want.omitted) assert.ok(!(want.field in r.record), `${want.field} should be omitted`);
        if (want.warning) assert.ok(has(r.warnings, want.field, want.warning), `expected warning ${want.field}/${want.warning} in ${show(r)}`);
        // Whatever prepare returns passes the wire check with the same settings.
        assert.deepStrictEqual(checkWire(op, r.record, settings), []);
      });
    }
  });
}

describe('prepare: good records', () => {
  for (const op of [dossier, progress, decision]) {
    it(`${op.api}: a realistic record goes through, in table order`, () => {
      const r = prepare(op, BASE[op.id]);
      assert.deepStrictEqual(r.errors, [], show(r));
      const order = op.fields.map((f) => f.name).filter((n) => n in r.record);
      assert.deepStrictEqual(Object.keys(r.record), order);
      assert.deepStrictEqual(checkWire(op, r.record), []);
    });
  }
  it('the dossier comes out in wire form', () => {
    const r = prepare(dossier, DOSSIER);
    assert.deepStrictEqual(r.record, {
      MaHoSo: '000.00.18.H26-250612-0007', MaTTHC: '1.001776', TenTTHC: DOSSIER.TenTTHC, HoVaTen: 'Lò Thị Mai',
      NgayThangNamSinh: '04/03/1950', GioiTinhId: '1035', DanTocId: '31', CMND: '001195012345', CMND_NgayCap: '15/08/2021',
      CMND_NoiCap: '1047', MaTinh: '01', MaHuyen: '001', MaXa: '00001', HKTT_MaTinh: '01', HKTT_MaHuyen: '001', HKTT_MaXa: '00004',
      HKTT_MaThon: 'Tổ dân phố 3', HKTT_ChiTiet: 'Số 12 ngõ 45 phố Phúc Xá', SoDienThoai: '0912 345 678', Email: 'lothimai@example.vn',
      StatusId: 1, SubmittedDate: '12/06/2025 08:30:00',
    });
    assert.deepStrictEqual(r.warnings, []);
  });
  it('a non-object input is one error', () => {
    for (const bad of [null, 'x', [DOSSIER], 42]) {
      const r = prepare(dossier, bad);
      assert.strictEqual(r.record, null);
      assert.deepStrictEqual(r.errors, [{ field: null, code: 'notObject' }]);
    }
  });
});

describe('D2 aliases and unknown input keys', () => {
  const rows = [
    [dossier, { HKTT_MaTinh: DROP, HKTTC_MaTinh: '01' }, 'HKTTC_MaTinh', 'HKTT_MaTinh'],
    [dossier, { HKTT_MaXa: DROP, hkttc_maxa: '00004' }, 'hkttc_maxa', 'HKTT_MaXa'],
    [dossier, { HoVaTen: DROP, hovaten: 'Lò Thị Mai' }, 'hovaten', 'HoVaTen'],
    [dossier, { HoVaTen: DROP, ' Ho Va Ten ': 'Lò Thị Mai' }, ' Ho Va Ten ', 'HoVaTen'],
    [progress, { DonViXuLy: DROP, PhongBanXuLy: 'Phòng LĐTBXH' }, 'PhongBanXuLy', 'DonViXuLy'],
    [progress, { ' UserIdCreated': 'nguyenvanan' }, ' UserIdCreated', 'UseridCreated'],
    [progress, { ' DateCreated': '13/06/2025 08:00:00' }, ' DateCreated', 'DateCreated'],
    [decision, { url: DECISION.Url, Url: DROP }, 'url', 'Url'],
  ];
  for (const [op, patch, from, to] of rows) {
    it(`${op.api}: "${from}" -> ${to}`, () => {
      const r = run(op, patch);
      assert.deepStrictEqual(r.errors, [], show(r));
      assert.ok(to in r.record && !(from in r.record));
      assert.deepStrictEqual(r.aliases, [{ from, to }]);
      assert.ok(has(r.warnings, to, 'alias'));
    });
  }
  it('unknown keys are dropped with ONE warning listing them', () => {
    const r = run(dossier, { DiaChiChuHoSo: 'Hà Nội', EformData: '{}', TrichYeuHoSo: 'x' });
    assert.deepStrictEqual(r.errors, []);
    for (const k of ['DiaChiChuHoSo', 'EformData', 'TrichYeuHoSo']) assert.ok(!(k in r.record));
    const w = r.warnings.filter((p) => p.code === 'unknownFields');
    assert.strictEqual(w.length, 1);
    assert.deepStrictEqual(w[0], { field: null, code: 'unknownFields', params: { names: 'DiaChiChuHoSo, EformData, TrichYeuHoSo', count: 3 } });
  });
  it('two spellings of one field: equal or blank is fine, different values are an error', () => {
    assert.deepStrictEqual(run(dossier, { HKTTC_MaTinh: '01' }).errors, []);
    assert.deepStrictEqual(run(dossier, { HKTTC_MaTinh: '' }).errors, []);
    const r = run(dossier, { HKTTC_MaTinh: '79' });
    assert.ok(has(r.errors, 'HKTT_MaTinh', 'duplicateField'), show(r));
  });
});

const NEXT_YEAR = new Date().getFullYear() + 1;
const nextYear = `01/01/${new Date().getFullYear() + 1}`;
table('dates that cannot be true together (issue 9)', [
  ['an id issued before its holder was born', dossier, { NgayThangNamSinh: '04/03/1950', CMND_NgayCap: '01/01/1949' }, { field: 'CMND_NgayCap', error: 'dateOrder' }],
  ['an id issued on the birth day is possible', dossier, { NgayThangNamSinh: '04/03/1950', CMND_NgayCap: '04/03/1950' }, { field: 'CMND_NgayCap', value: '04/03/1950' }],
  ['a submission before the birth', dossier, { NgayThangNamSinh: '04/03/1950', SubmittedDate: '01/01/1940 08:00:00' }, { field: 'SubmittedDate', error: 'dateOrder' }],
  ['a submission in the future', dossier, { SubmittedDate: `${nextYear} 08:00:00` }, { field: 'SubmittedDate', error: 'dateFuture' }],
  ['a birth in the future', dossier, { NgayThangNamSinh: nextYear }, { field: 'NgayThangNamSinh', error: 'dateFuture' }],
  ['a deadline before the step began', progress, { NgayBatDau: '20250612083000', NgayKetThucTheoQuyDinh: '20250601083000' }, { field: 'NgayKetThucTheoQuyDinh', error: 'dateOrder' }],
  ['a processing time in the future', progress, { ThoiDiemXuLy: `${new Date().getFullYear() + 1}0101080000` }, { field: 'ThoiDiemXuLy', error: 'dateFuture' }],
  ['a deadline in the future is normal', progress, { NgayKetThucTheoQuyDinh: `${new Date().getFullYear() + 1}0101080000` }, { field: 'NgayKetThucTheoQuyDinh', value: `${new Date().getFullYear() + 1}0101080000` }],
]);

table('D3 dates (zone Asia/Ho_Chi_Minh)', [
  ['dd/MM/yyyy', dossier, { NgayThangNamSinh: '04/03/1950' }, { field: 'NgayThangNamSinh', value: '04/03/1950' }],
  ['d/M/yyyy', dossier, { NgayThangNamSinh: '4/3/1950' }, { field: 'NgayThangNamSinh', value: '04/03/1950' }],
  ['dd/MM/yyyy HH:mm on a date field drops the time', dossier, { NgayThangNamSinh: '04/03/1950 07:05' }, { field: 'NgayThangNamSinh', value: '04/03/1950' }],
  ['yyyy-MM-dd', dossier, { NgayThangNamSinh: '1950-03-04' }, { field: 'NgayThangNamSinh', value: '04/03/1950' }],
  ['yyyyMMdd', dossier, { NgayThangNamSinh: '19500304' }, { field: 'NgayThangNamSinh', value: '04/03/1950' }],
  ['yyyyMMdd as a number', dossier, { NgayThangNamSinh: 19500304 }, { field: 'NgayThangNamSinh', value: '04/03/1950' }],
  ['citizen JSON object', dossier, { NgayThangNamSinh: { Nam: '1950', NgayThangNam: '19500304' } }, { field: 'NgayThangNamSinh', value: '04/03/1950' }],
  ['citizen JSON string', dossier, { NgayThangNamSinh: '{"Nam": "1950", "NgayThangNam": "19500304"}' }, { field: 'NgayThangNamSinh', value: '04/03/1950' }],
  ['citizen JSON with only the year is not invented', dossier, { NgayThangNamSinh: { Nam: '1950', NgayThangNam: '' } }, { field: 'NgayThangNamSinh', error: 'dateYearOnly' }],
  ['citizen JSON whose year disagrees', dossier, { NgayThangNamSinh: { Nam: '1951', NgayThangNam: '19500304' } }, { field: 'NgayThangNamSinh', error: 'dateInvalid' }],
  // A driver running in Vietnam's zone returns local midnight of 04/03/1950 as 16:00Z: the zone was +08:00 then.
  ['ISO instant of a 1950 local midnight', dossier, { NgayThangNamSinh: '1950-03-03T16:00:00.000Z' }, { field: 'NgayThangNamSinh', value: '04/03/1950' }],
  ['JS Date at Vietnamese midnight', dossier, { CMND_NgayCap: new Date('2021-08-14T17:00:00Z') }, { field: 'CMND_NgayCap', value: '15/08/2021' }],
  ['ISO instant with Z becomes +07:00 wall time', dossier, { SubmittedDate: '2025-06-12T01:30:00Z' }, { field: 'SubmittedDate', value: '12/06/2025 08:30:00' }],
  ['ISO with another offset', dossier, { SubmittedDate: '2025-06-12T10:30:00+09:00' }, { field: 'SubmittedDate', value: '12/06/2025 08:30:00' }],
  ['ISO without offset is Vietnamese time', dossier, { SubmittedDate: '2025-06-12T08:30:00' }, { field: 'SubmittedDate', value: '12/06/2025 08:30:00' }],
  ['yyyy-MM-dd HH:mm:ss (SQL)', dossier, { SubmittedDate: '2025-06-12 08:30:00' }, { field: 'SubmittedDate', value: '12/06/2025 08:30:00' }],
  ['yyyyMMddHHmmss', dossier, { SubmittedDate: '20250612083000' }, { field: 'SubmittedDate', value: '12/06/2025 08:30:00' }],
  // A number is no date (issue 9): as epoch ms, 1950, an Excel serial or 0 would all become 01/01/1970.
  ['epoch ms is refused', dossier, { SubmittedDate: Date.UTC(2025, 5, 12, 1, 30, 0) }, { field: 'SubmittedDate', error: 'dateNumber' }],
  ['a year as a number', dossier, { NgayThangNamSinh: 1950 }, { field: 'NgayThangNamSinh', error: 'dateNumber' }],
  ['an Excel serial', dossier, { NgayThangNamSinh: 32874 }, { field: 'NgayThangNamSinh', error: 'dateNumber' }],
  ['zero', dossier, { CMND_NgayCap: 0 }, { field: 'CMND_NgayCap', error: 'dateNumber' }],
  ['yyyyMMdd read as a number is still a date', dossier, { NgayThangNamSinh: 19500304 }, { field: 'NgayThangNamSinh', value: '04/03/1950' }],
  // An export from a spreadsheet: the connection's "Excel dates" option reads serials (1900 system).
  ['Excel serial, option on', dossier, { NgayThangNamSinh: 32874 }, { field: 'NgayThangNamSinh', value: '01/01/1990' }, { excelDates: true }],
  ['Excel serial with a time of day', dossier, { SubmittedDate: 45820.354166666664 }, { field: 'SubmittedDate', value: '12/06/2025 08:30:00' }, { excelDates: true }],
  ['Excel serial 1 is 01/01/1900', dossier, { NgayThangNamSinh: 1 }, { field: 'NgayThangNamSinh', value: '01/01/1900' }, { excelDates: true }],
  ['Excel serial 61 is 01/03/1900, after the phantom day', dossier, { NgayThangNamSinh: 61 }, { field: 'NgayThangNamSinh', value: '01/03/1900' }, { excelDates: true }],
  ["Excel's phantom 29/02/1900", dossier, { NgayThangNamSinh: 60 }, { field: 'NgayThangNamSinh', error: 'dateInvalid' }, { excelDates: true }],
  ['Excel serial 0 is no date', dossier, { CMND_NgayCap: 0 }, { field: 'CMND_NgayCap', error: 'dateNumber' }, { excelDates: true }],
  ['Excel option keeps yyyyMMdd numbers', dossier, { NgayThangNamSinh: 19500304 }, { field: 'NgayThangNamSinh', value: '04/03/1950' }, { excelDates: true }],
  ['JS Date for a datetime', dossier, { SubmittedDate: new Date(Date.UTC(2025, 5, 11, 23, 59, 59)) }, { field: 'SubmittedDate', value: '12/06/2025 06:59:59' }],
  ['29/02 of a leap year', dossier, { CMND_NgayCap: '29/02/2024' }, { field: 'CMND_NgayCap', value: '29/02/2024' }],
  ['31/02 is an error, never rolled over', dossier, { NgayThangNamSinh: '31/02/1950' }, { field: 'NgayThangNamSinh', error: 'dateInvalid' }],
  ['29/02 of a common year', dossier, { CMND_NgayCap: '29/02/2023' }, { field: 'CMND_NgayCap', error: 'dateInvalid' }],
  ['2024-02-30', dossier, { CMND_NgayCap: '2024-02-30' }, { field: 'CMND_NgayCap', error: 'dateInvalid' }],
  ['month 13', dossier, { CMND_NgayCap: '20211315' }, { field: 'CMND_NgayCap', error: 'dateInvalid' }],
  ['24:00 is not the next day', dossier, { SubmittedDate: '2025-06-12 24:00:00' }, { field: 'SubmittedDate', error: 'dateInvalid' }],
  ['an invalid JS Date', dossier, { SubmittedDate: new Date('nope') }, { field: 'SubmittedDate', error: 'dateInvalid' }],
  ['unrecognised text', dossier, { SubmittedDate: 'hôm qua' }, { field: 'SubmittedDate', error: 'dateFormat' }],
  ['MM/dd/yyyy US order is not guessed', dossier, { NgayThangNamSinh: '03/14/1950' }, { field: 'NgayThangNamSinh', error: 'dateInvalid' }],
  ['future birth date', dossier, { NgayThangNamSinh: `01/01/${NEXT_YEAR}` }, { field: 'NgayThangNamSinh', error: 'dateFuture' }],
  ['a future issue date of a step is fine', progress, { NgayKetThucTheoQuyDinh: `01/01/${NEXT_YEAR}` }, { field: 'NgayKetThucTheoQuyDinh', value: `${NEXT_YEAR}0101000000` }],
  ['.NET placeholder 01/01/0001', dossier, { CMND_NgayCap: '0001-01-01T00:00:00' }, { field: 'CMND_NgayCap', error: 'dateRange' }],
  ['blank optional date is absent', dossier, { CMND_NgayCap: '  ' }, { field: 'CMND_NgayCap', omitted: true }],
  ['a missing deadline is reported, never invented', progress, { NgayKetThucTheoQuyDinh: DROP }, { field: 'NgayKetThucTheoQuyDinh', error: 'required' }],
  ['an empty deadline is missing too', progress, { NgayKetThucTheoQuyDinh: '' }, { field: 'NgayKetThucTheoQuyDinh', error: 'required' }],
]);

describe('D3 date format settings for XuLyHoSo', () => {
  const DMY = 'dd/MM/yyyy HH:mm:ss';
  const rows = [
    ['default yyyyMMddHHmmss', undefined, { ThoiDiemXuLy: '20250613091500', NgayBatDau: '20250613080000', NgayKetThucTheoQuyDinh: '20250620170000' }],
    ['one setting for the operation', { dateFormats: { XuLyHoSo: DMY } }, { ThoiDiemXuLy: '13/06/2025 09:15:00', NgayBatDau: '13/06/2025 08:00:00', NgayKetThucTheoQuyDinh: '20/06/2025 17:00:00' }],
    ['by operation id', { dateFormats: { progress: DMY } }, { ThoiDiemXuLy: '13/06/2025 09:15:00' }],
    ['per field wins over the operation', { dateFormats: { XuLyHoSo: DMY, 'XuLyHoSo.NgayBatDau': 'yyyy-MM-dd HH:mm:ss' } }, { ThoiDiemXuLy: '13/06/2025 09:15:00', NgayBatDau: '2025-06-13 08:00:00' }],
    ['per field name', { dateFormats: { ThoiDiemXuLy: DMY } }, { ThoiDiemXuLy: '13/06/2025 09:15:00', NgayBatDau: '20250613080000' }],
  ];
  for (const [name, settings, want] of rows) {
    it(name, () => {
      const r = prepare(progress, PROGRESS, settings);
      assert.deepStrictEqual(r.errors, [], show(r));
      for (const [k, v] of Object.entries(want)) assert.strictEqual(r.record[k], v, k);
      assert.deepStrictEqual(checkWire(progress, r.record, settings), []);
    });
  }
  it('a record formatted for one setting fails the wire check under the other', () => {
    const dmy = prepare(progress, PROGRESS, { dateFormats: { XuLyHoSo: DMY } }).record;
    assert.ok(has(checkWire(progress, dmy), 'ThoiDiemXuLy', 'dateFormat'));
    const compact = prepare(progress, PROGRESS).record;
    assert.ok(has(checkWire(progress, compact, { dateFormats: { XuLyHoSo: DMY } }), 'NgayBatDau', 'dateFormat'));
  });
  it('the operation-wide setting does not touch date-only fields', () => {
    const r = prepare(dossier, DOSSIER, { dateFormats: { DongBoDVC: 'yyyyMMddHHmmss' } });
    assert.strictEqual(r.record.NgayThangNamSinh, '04/03/1950');
    assert.strictEqual(r.record.SubmittedDate, '20250612083000');
  });
  it('a format without a full date is a setting error naming the field', () => {
    const r = prepare(progress, PROGRESS, { dateFormats: { ThoiDiemXuLy: 'HH:mm' } });
    assert.ok(has(r.errors, 'ThoiDiemXuLy', 'dateFormatSetting'), show(r));
  });
});

table('D4 gender', [
  ...[['Nam', '1034'], ['Nữ', '1035'], ['nu', '1035'], ['NỮ', '1035'], ['1', '1034'], ['2', '1035'], [1, '1034'], [2, '1035'],
    ['M', '1034'], ['F', '1035'], ['male', '1034'], ['Female', '1035'], [1034, '1034'], ['1035', '1035'], [' Nam ', '1034']]
    .map(([input, out]) => [`${JSON.stringify(input)} -> ${out}`, dossier, { GioiTinhId: input }, { field: 'GioiTinhId', value: out }]),
  ['"NA" (the seed\'s own example) is omitted with a warning', dossier, { GioiTinhId: 'NA' }, { field: 'GioiTinhId', omitted: true, warning: 'genderUnknown' }],
  ['3 is omitted with a warning', dossier, { GioiTinhId: 3 }, { field: 'GioiTinhId', omitted: true, warning: 'genderUnknown' }],
  ['blank is absent, no warning', dossier, { GioiTinhId: '' }, { field: 'GioiTinhId', omitted: true }],
]);

const GSO = { ethnicityCode: 'gso' };
table('D5 ethnicity: catalogue id (default) or GSO code', [
  ['name -> id', dossier, { DanTocId: 'Kinh' }, { field: 'DanTocId', value: '29' }],
  ['name without diacritics -> id', dossier, { DanTocId: 'tay' }, { field: 'DanTocId', value: '30' }],
  ['id as a number', dossier, { DanTocId: 29 }, { field: 'DanTocId', value: '29' }],
  ['id as a string', dossier, { DanTocId: '31' }, { field: 'DanTocId', value: '31' }],
  ['a GSO-only number in id mode is unknown', dossier, { DanTocId: '1' }, { field: 'DanTocId', error: 'ethnicityUnknown' }],
  ['unknown name', dossier, { DanTocId: 'Sao Hỏa' }, { field: 'DanTocId', error: 'ethnicityUnknown' }],
  ['gso: name -> GSO code', dossier, { DanTocId: 'Kinh' }, { field: 'DanTocId', value: '1' }, GSO],
  ['gso: "01" with leading zero (D18) -> "1"', dossier, { DanTocId: '01' }, { field: 'DanTocId', value: '1' }, GSO],
  ['gso: number 3 -> "3" (Thái)', dossier, { DanTocId: 3 }, { field: 'DanTocId', value: '3' }, GSO],
  ['gso: "29" is read as a GSO code (Khơ-mú), not Kinh', dossier, { DanTocId: '29' }, { field: 'DanTocId', value: '29' }, GSO],
  ['gso: 55 is unknown', dossier, { DanTocId: '55' }, { field: 'DanTocId', error: 'ethnicityUnknown' }, GSO],
]);
it('D5: "29" means Kinh with ids and Khơ-mú with GSO codes (never guessed per record)', () => {
  assert.strictEqual(run(dossier, { DanTocId: '29' }).record.DanTocId, '29');
  assert.strictEqual(run(dossier, { DanTocId: 'Khơ-mú' }).record.DanTocId, '57');
  assert.strictEqual(run(dossier, { DanTocId: '29' }, GSO).record.DanTocId, '29');
  assert.strictEqual(run(dossier, { DanTocId: 'Kinh' }, GSO).record.DanTocId, '1');
});

const PROC_NAME = 'Tiếp nhận đối tượng bảo trợ xã hội có hoàn cảnh đặc biệt khó khăn vào cơ sở trợ giúp xã hội cấp tỉnh, cấp huyện';
table('D6 procedure', [
  ['national code passes', dossier, { MaTTHC: '2.000286' }, { field: 'MaTTHC', value: '2.000286' }],
  ['seed spelling -> national code', dossier, { MaTTHC: '2.0000286' }, { field: 'MaTTHC', value: '2.000286', warning: 'procedureCode' }],
  ['seed spelling 2.0000477 -> 2.000477', dossier, { MaTTHC: '2.0000477' }, { field: 'MaTTHC', value: '2.000477' }],
  ['TenTTHC filled from MaTTHC', dossier, { MaTTHC: '2.0000286', TenTTHC: DROP }, { field: 'TenTTHC', value: PROC_NAME, warning: 'filled' }],
  ['a given TenTTHC is kept', dossier, { MaTTHC: '2.000286' }, { field: 'TenTTHC', value: DOSSIER.TenTTHC }],
  ['unknown code: warning, sent as given', dossier, { MaTTHC: '1.000123' }, { field: 'MaTTHC', value: '1.000123', warning: 'procedureUnknown' }],
  ['unknown code in strict mode: error', dossier, { MaTTHC: '1.000123' }, { field: 'MaTTHC', error: 'procedureUnknown' }, { strict: true }],
  ['unknown code and no TenTTHC: TenTTHC required', dossier, { MaTTHC: '1.000123', TenTTHC: DROP }, { field: 'TenTTHC', error: 'required' }],
]);

table('D8 NOHT_MaThon: 250, strict 10', [
  ['20 characters: warning', dossier, { NOHT_MaThon: 'Thôn Nà Lừa, xã Hưng' }, { field: 'NOHT_MaThon', value: 'Thôn Nà Lừa, xã Hưng', warning: 'maxLengthStrict' }],
  ['20 characters in strict mode: error', dossier, { NOHT_MaThon: 'Thôn Nà Lừa, xã Hưng' }, { field: 'NOHT_MaThon', error: 'maxLengthStrict' }, { strict: true }],
  ['10 characters in strict mode', dossier, { NOHT_MaThon: 'Thôn Nà Lừ' }, { field: 'NOHT_MaThon', value: 'Thôn Nà Lừ' }, { strict: true }],
  ['251 characters: error', dossier, { NOHT_MaThon: 'ô'.repeat(251) }, { field: 'NOHT_MaThon', error: 'maxLength' }],
  ['HKTT_MaThon has no strict limit', dossier, { HKTT_MaThon: 'Thôn Nà Lừa, xã Hưng Đạo' }, { field: 'HKTT_MaThon', value: 'Thôn Nà Lừa, xã Hưng Đạo' }, { strict: true }],
]);

table('D9 StatusId', [
  ['integer', dossier, { StatusId: 5 }, { field: 'StatusId', value: 5 }],
  ['numeric string', dossier, { StatusId: ' 5 ' }, { field: 'StatusId', value: 5 }],
  ['province code mapped first', dossier, { StatusId: '10' }, { field: 'StatusId', value: 4 }, { statusMap: { 10: 4 } }],
  ['mapping from a number key', dossier, { StatusId: 10 }, { field: 'StatusId', value: 4 }, { statusMap: { 10: 4 } }],
  ['unmapped numbers pass through', dossier, { StatusId: '3' }, { field: 'StatusId', value: 3 }, { statusMap: { 10: 4 } }],
  // A name of the national list is read (D23, below); any other text is an error.
  ['text', dossier, { StatusId: 'Chờ duyệt' }, { field: 'StatusId', error: 'integer' }],
  ['fraction', dossier, { StatusId: 1.5 }, { field: 'StatusId', error: 'integer' }],
  ['absent', progress, { StatusId: null }, { field: 'StatusId', error: 'required' }],
]);

table('D12 issuing place', [
  ['province name -> id', dossier, { CMND_NoiCap: 'Hà Nội' }, { field: 'CMND_NoiCap', value: '1195' }],
  ['"TP Hà Nội"', dossier, { CMND_NoiCap: 'TP Hà Nội' }, { field: 'CMND_NoiCap', value: '1195' }],
  ['"CA Thanh Hoá"', dossier, { CMND_NoiCap: 'CA Thanh Hoá' }, { field: 'CMND_NoiCap', value: '1219' }],
  ['department, abbreviated', dossier, { CMND_NoiCap: 'Cục Cảnh sát QLHC về TTXH' }, { field: 'CMND_NoiCap', value: '1047' }],
  ['id as a number', dossier, { CMND_NoiCap: 1048 }, { field: 'CMND_NoiCap', value: '1048' }],
  ['Cao Bằng (no id in the seed): omitted + warning', dossier, { CMND_NoiCap: 'Công an tỉnh Cao Bằng' }, { field: 'CMND_NoiCap', omitted: true, warning: 'issuingPlaceMissing' }],
  ['unknown: omitted + warning', dossier, { CMND_NoiCap: 'Sao Hỏa' }, { field: 'CMND_NoiCap', omitted: true, warning: 'issuingPlaceUnknown' }],
]);

table('D13/D18 administrative codes, pre-2025', [
  ['number 1 -> "01"', dossier, { MaTinh: 1 }, { field: 'MaTinh', value: '01' }],
  ['unpadded district "1" -> "001"', dossier, { MaHuyen: '1' }, { field: 'MaHuyen', value: '001' }],
  ['unpadded commune 1 -> "00001"', dossier, { MaXa: 1 }, { field: 'MaXa', value: '00001' }],
  ['dotted district "01.001"', dossier, { MaHuyen: '01.001' }, { field: 'MaHuyen', value: '001' }],
  ['dotted commune "01.001.00001"', dossier, { MaXa: '01.001.00001' }, { field: 'MaXa', value: '00001' }],
  ['dotted commune under its district "001.00001"', dossier, { MaXa: '001.00001' }, { field: 'MaXa', value: '00001' }],
  ['dotted prefix names another province', dossier, { MaHuyen: '79.001' }, { field: 'MaHuyen', error: 'codePrefix' }],
  ['dotted prefix names another district', dossier, { MaXa: '01.002.00001' }, { field: 'MaXa', error: 'codePrefix' }],
  ['letters', dossier, { MaXa: '0000A' }, { field: 'MaXa', error: 'codeFormat' }],
  ['too long', dossier, { MaTinh: '001' }, { field: 'MaTinh', error: 'codeFormat' }],
  ['unknown province', dossier, { MaTinh: '99' }, { field: 'MaTinh', error: 'unitUnknown' }],
  ['commune of another district', dossier, { MaXa: '00037' }, { field: 'MaXa', error: 'unitNotInDistrict' }],
  ['district of another province', dossier, { MaTinh: '79' }, { field: 'MaHuyen', error: 'unitNotInProvince' }],
  ['a commune that exists only since 2025', dossier, { MaTinh: '14', MaHuyen: '118', MaXa: '03980' }, { field: 'MaXa', error: 'unitNewSet' }],
  ['HKTT commune of another district', dossier, { HKTT_MaXa: '00040' }, { field: 'HKTT_MaXa', error: 'unitNotInDistrict' }],
  ['HKTT commune without its district', dossier, { HKTT_MaHuyen: DROP }, { field: 'HKTT_MaHuyen', error: 'groupIncomplete' }],
  ['an optional group may be absent', dossier, { HKTT_MaTinh: DROP, HKTT_MaHuyen: DROP, HKTT_MaXa: DROP }, { field: 'HKTT_MaXa', omitted: true }],
  ['handling district is required', dossier, { MaHuyen: '' }, { field: 'MaHuyen', error: 'required' }],
]);

// 2025: Hà Nội 01; Phường Bồ Đề 00118 came wholly from old district 004; Phường Ba Đình 00004 from several.
const Y2025 = { codeSet: '2025' };
const NEW = { MaTinh: '01', MaHuyen: DROP, MaXa: '00118', HKTT_MaTinh: DROP, HKTT_MaHuyen: DROP, HKTT_MaXa: DROP };
table('D13 administrative codes, 2025', [
  ['district2025 old: MaHuyen is the old district', dossier, NEW, { field: 'MaHuyen', value: '004' }, Y2025],
  ['district2025 old: ambiguous and required -> error', dossier, { ...NEW, MaXa: '00004' }, { field: 'MaHuyen', error: 'districtAmbiguous' }, Y2025],
  ['district2025 old: ambiguous in an optional group -> warning, omitted', dossier, { ...NEW, HKTT_MaTinh: '01', HKTT_MaXa: '00004' }, { field: 'HKTT_MaHuyen', omitted: true, warning: 'districtAmbiguous' }, Y2025],
  ['district2025 old: a given old district is checked', dossier, { ...NEW, MaHuyen: '001' }, { field: 'MaHuyen', error: 'districtSetting' }, Y2025],
  ['district2025 province: "001"', dossier, NEW, { field: 'MaHuyen', value: '001' }, { ...Y2025, district2025: 'province' }],
  ['district2025 empty: "000"', dossier, NEW, { field: 'MaHuyen', value: '000' }, { ...Y2025, district2025: 'empty' }],
  ['Xã Ia Mơ 23737 in Gia Lai (52)', dossier, { ...NEW, MaTinh: '52', MaXa: '23737' }, { field: 'MaXa', value: '23737' }, { ...Y2025, district2025: 'empty' }],
  ['dotted "01.00118"', dossier, { ...NEW, MaXa: '01.00118' }, { field: 'MaXa', value: '00118' }, Y2025],
  ['dotted prefix of another province', dossier, { ...NEW, MaXa: '79.00118' }, { field: 'MaXa', error: 'codePrefix' }, Y2025],
  ['a pre-2025-only commune is named as old, with its new code', dossier, { ...NEW, MaXa: '00001' }, { field: 'MaXa', error: 'unitOldSet' }, Y2025],
  ['an abolished province code', dossier, { ...NEW, MaTinh: '02', MaXa: '00688' }, { field: 'MaTinh', error: 'unitOldSet' }, Y2025],
  ['commune of another province', dossier, { ...NEW, MaTinh: '79' }, { field: 'MaXa', error: 'unitNotInProvince' }, Y2025],
]);
it('D13: unitOldSet names the new commune', () => {
  const r = run(dossier, { ...NEW, MaXa: '00001' }, Y2025);
  const p = r.errors.find((e) => e.code === 'unitOldSet');
  assert.match(String(p.params.candidates), /^00097 /);
});

table('D14 personal id', [
  ['12 digits', dossier, { CMND: '001195012345' }, { field: 'CMND', value: '001195012345' }],
  ['grouped with spaces', dossier, { CMND: ' 001 195 012 345 ' }, { field: 'CMND', value: '001195012345' }],
  ['grouped with dots', decision, { CMND: '001.195.012.345' }, { field: 'CMND', value: '001195012345' }],
  ['9-digit old CMND: warning', dossier, { CMND: '012345678' }, { field: 'CMND', value: '012345678', warning: 'oldCmnd' }],
  ['a number that lost its leading zeros: error', dossier, { CMND: 1195012345 }, { field: 'CMND', error: 'personalIdNumber' }],
  ['a 12-digit number: accepted with a warning', dossier, { CMND: 79195012345 * 10 + 1 }, { field: 'CMND', value: '791950123451', warning: 'personalIdNumber' }],
  ['letters', dossier, { CMND: '00119501234X' }, { field: 'CMND', error: 'personalIdDigits' }],
  ['10 digits', decision, { CMND: '0011950123' }, { field: 'CMND', error: 'personalIdLength' }],
  ['13 digits', dossier, { CMND: '0011950123456' }, { field: 'CMND', error: 'personalIdLength' }],
]);
it('D14: params never hold the full id', () => {
  for (const cmnd of ['0011950123', 1195012345, '00119501234X', '012345678']) {
    const r = run(dossier, { CMND: cmnd });
    const text = JSON.stringify([r.errors, r.warnings]);
    assert.ok(!text.includes(String(cmnd)), text);
    assert.ok(/\*{3,}/.test(text), text);
  }
});

const NFD = 'Lò Thị Mai'.normalize('NFD');
table('D15 text', [
  ['NFD -> NFC', dossier, { HoVaTen: NFD }, { field: 'HoVaTen', value: 'Lò Thị Mai' }],
  ['trim and collapse inner whitespace in names', dossier, { HoVaTen: '  Lò \t Thị\u00A0\u00A0Mai\n' }, { field: 'HoVaTen', value: 'Lò Thị Mai' }],
  ['zero-width characters dropped', dossier, { HoVaTen: '\uFEFFLò Thị\u200B Mai' }, { field: 'HoVaTen', value: 'Lò Thị Mai' }],
  ['a control character is an error', dossier, { HoVaTen: 'Lò Thị\u0007 Mai' }, { field: 'HoVaTen', error: 'controlChar' }],
  ['a bidi override (a name displayed other than stored) is an error', dossier, { HoVaTen: 'Lò Thị \u202EiaM' }, { field: 'HoVaTen', error: 'controlChar' }],
  ['a bidi isolate is an error', dossier, { HoVaTen: 'Lò \u2066Thị\u2069 Mai' }, { field: 'HoVaTen', error: 'controlChar' }],
  ['a lone surrogate (half a character) is an error', dossier, { MaHoSo: '000.00.18.H26-250612-\uD800' }, { field: 'MaHoSo', error: 'controlChar' }],
  ['U+2028 in a name is cleaned to a space', dossier, { HoVaTen: 'Lò Thị\u2028Mai' }, { field: 'HoVaTen', value: 'Lò Thị Mai' }],
  ['U+2029 in free text becomes a line break', progress, { NoiDungXuLy: 'Thẩm định.\u2029Trình ký.' }, { field: 'NoiDungXuLy', value: 'Thẩm định.\nTrình ký.' }],
  ['U+2028 in a code is an error', dossier, { MaHoSo: '000.00.18.H26\u2028-250612-07' }, { field: 'MaHoSo', error: 'controlChar' }],
  ['a code keeps its inner characters', dossier, { MaHoSo: ' 000.00.18.H26-250612-0007 ' }, { field: 'MaHoSo', value: '000.00.18.H26-250612-0007' }],
  ['a code may not hold a line break', dossier, { MaHoSo: '000.00.18.H26\n-250612-07' }, { field: 'MaHoSo', error: 'controlChar' }],
  ['NoiDungXuLy keeps its line breaks', progress, { NoiDungXuLy: 'Thẩm định hồ sơ.\r\n  Trình lãnh đạo ký.' }, { field: 'NoiDungXuLy', value: 'Thẩm định hồ sơ.\nTrình lãnh đạo ký.' }],
  ['250 Vietnamese characters fit (characters, not bytes)', dossier, { HoVaTen: 'ễ'.repeat(250) }, { field: 'HoVaTen', value: 'ễ'.repeat(250) }],
  ['250 NFD letters are 250 characters after NFC', dossier, { HoVaTen: 'ễ'.repeat(250).normalize('NFD') }, { field: 'HoVaTen', value: 'ễ'.repeat(250) }],
  ['251 characters', dossier, { HoVaTen: 'ễ'.repeat(251) }, { field: 'HoVaTen', error: 'maxLength' }],
  ['StatusId negative is an error, never sent', dossier, { StatusId: -1 }, { field: 'StatusId', error: 'intRange' }],
  ['StatusId above Int32 is an error, never wrapped', progress, { StatusId: '2147483648' }, { field: 'StatusId', error: 'intRange' }],
  ['StatusId at Int32 max is kept', progress, { StatusId: 2147483647 }, { field: 'StatusId', value: 2147483647 }],
  ['a number is read as text', progress, { TaiKhoanXuLy: 1024 }, { field: 'TaiKhoanXuLy', value: '1024' }],
  ['an object is not text', dossier, { HoVaTen: { Name: 'Lò Thị Mai' } }, { field: 'HoVaTen', error: 'type' }],
  ['whitespace only is absent', dossier, { HoVaTen: ' \u200B ' }, { field: 'HoVaTen', error: 'required' }],
  ['email: light check warns but sends', dossier, { Email: 'lothimai@' }, { field: 'Email', value: 'lothimai@', warning: 'email' }],
  ['phone: a lost leading zero warns but sends', dossier, { SoDienThoai: 912345678 }, { field: 'SoDienThoai', value: '912345678', warning: 'phone' }],
  ['phone: +84 form', dossier, { SoDienThoai: '+84 912 345 678' }, { field: 'SoDienThoai', value: '+84 912 345 678' }],
  ['Url: absolute https', decision, { Url: 'https://dvc.laocai.gov.vn/files/QD-52.pdf' }, { field: 'Url', value: 'https://dvc.laocai.gov.vn/files/QD-52.pdf' }],
  ['Url: a file-server path', decision, { Url: '/Upload/2025/06/QD-52.pdf' }, { field: 'Url', error: 'url' }],
  ['Url: ftp', decision, { Url: 'ftp://10.0.0.5/QD-52.pdf' }, { field: 'Url', error: 'url' }],
  ['Url: inner space', decision, { Url: 'https://dvc.laocai.gov.vn/files/QD 52.pdf' }, { field: 'Url', error: 'url' }],
  ['Url: 501 characters', decision, { Url: `https://dvc.laocai.gov.vn/${'a'.repeat(475)}` }, { field: 'Url', error: 'maxLength' }],
]);

describe('field rules of all three tables', () => {
  for (const op of [dossier, progress, decision]) {
    for (const f of op.fields) {
      if (f.required && f.kind !== 'procedureName') {
        it(`${op.api}.${f.name} is required`, () => {
          for (const blank of [DROP, '', null]) {
            const r = run(op, { [f.name]: blank });
            assert.strictEqual(r.record, null);
            assert.ok(has(r.errors, f.name, 'required'), show(r));
          }
        });
      }
      if (f.max !== undefined && (f.kind === 'text' || f.kind === 'code')) {
        it(`${op.api}.${f.name}: ${f.max} characters in, ${f.max + 1} out`, () => {
          const ok = run(op, { [f.name]: 'Đ'.repeat(f.max) });
          assert.strictEqual(ok.record && ok.record[f.name], 'Đ'.repeat(f.max), show(ok));
          const bad = run(op, { [f.name]: 'Đ'.repeat(f.max + 1) });
          assert.ok(has(bad.errors, f.name, 'maxLength'), show(bad));
        });
      }
      if (f.max !== undefined) {
        it(`${op.api}.${f.name}: the wire check enforces ${f.max} characters`, () => {
          const wire = prepare(op, BASE[op.id]).record;
          const errs = checkWire(op, { ...wire, [f.name]: '9'.repeat(f.max + 1) });
          assert.ok(errs.some((p) => p.field === f.name && p.code === 'maxLength' && p.params.max === f.max), JSON.stringify(errs));
        });
      }
      it(`${op.api}.${f.name}: the wire type is ${f.type === 'int' ? 'integer' : 'string'}`, () => {
        const wire = prepare(op, BASE[op.id]).record;
        const wrong = f.type === 'int' ? '1' : 12;
        assert.ok(has(checkWire(op, { ...wire, [f.name]: wrong }), f.name, 'type'));
      });
    }
  }
});

describe('schema and jsonSchema', () => {
  it('jsonSchema is derived from the table', () => {
    const s = jsonSchema(progress);
    assert.deepStrictEqual(Object.keys(s.properties), progress.fields.map((f) => f.name));
    assert.deepStrictEqual(s.required, progress.fields.filter((f) => f.required).map((f) => f.name));
    assert.strictEqual(s.additionalProperties, false);
    assert.strictEqual(s.properties.NoiDungXuLy.maxLength, 4000);
    assert.deepStrictEqual(s.properties.StatusId, { type: 'integer', minimum: 0, maximum: 2147483647 });
  });
  it('strict uses the tighter limits (D8)', () => {
    assert.strictEqual(jsonSchema(dossier).properties.NOHT_MaThon.maxLength, 250);
    assert.strictEqual(jsonSchema(dossier, { strict: true }).properties.NOHT_MaThon.maxLength, 10);
  });
  it('validators are compiled once per operation and strictness', () => {
    assert.strictEqual(schema(dossier), schema(dossier, { strict: false }));
    assert.notStrictEqual(schema(dossier), schema(dossier, { strict: true }));
    assert.strictEqual(schema(decision)({ MaHoSo: 'x', HoVaTen: 'y', CMND: '001195012345', Url: 'https://a.vn/b.pdf' }), true);
    assert.strictEqual(schema(decision)({ MaHoSo: 'x' }), false);
  });
});

describe('the fast paths agree with the slow ones', () => {
  it('column plans (matchKeys) read every record as matching key by key does: values, aliases, warnings', function () {
    const messy = require('./support/messy');
    const { generate, mulberry32 } = require('./support/fuzz');
    const { matchKeys, matchEach } = require('../lib/normalise/keys');
    const { Report } = require('../lib/normalise/report');
    const rng = mulberry32(20261207);
    let n = 0;
    for (const op of [dossier, progress, decision, operation('dossier', 'deployed')]) {
      const inputs = [...Array.from({ length: 800 }, (_, i) => messy[op.id](i)), ...Array.from({ length: 800 }, (_, i) => generate(op.id, i, rng)),
        { MaHoSo: 'HS1', mahoso: 'HS1', ' MaHoSo ': '' }, { MaHoSo: 'HS1', mahoso: 'HS2' },
        // A flow that invents keys: more sets of columns than are kept (the plans start again), then the usual ones.
        ...Array.from({ length: 600 }, (_, i) => ({ MaHoSo: `HS${i}`, [`cot${i}`]: i, hovaten: 'Lò Văn Páo' })), messy[op.id](1), messy[op.id](2)];
      for (const input of inputs) {
        if (!input || typeof input !== 'object' || Array.isArray(input)) continue;
        const [a, b] = [new Report(), new Report()];
        const fast = matchKeys(op, input, a);
        const slow = matchEach(op, input, b);
        assert.deepStrictEqual([Object.entries(fast.values), fast.aliases, a.errors, a.warnings], [Object.entries(slow.values), slow.aliases, b.errors, b.warnings]);
        n++;
      }
    }
    assert.ok(n > 5000, `${n} records compared`);
  });


  it('prepare skips the value checks its normalisers already made: no record it accepts fails the full wire check, under any date format or code set', function () {
    this.timeout(60_000);
    const messy = require('./support/messy');
    const { generate, mulberry32 } = require('./support/fuzz');
    const { ethnicity, gender, issuingPlace } = require('../lib/catalog');
    const settingsList = [
      {},
      { strict: true },
      { ethnicityCode: 'gso' },
      { dateFormats: { XuLyHoSo: "yyyy-MM-dd'T'HH:mm:ss", NgayThangNamSinh: 'yyyy-MM-dd', SubmittedDate: 'dd-MM-yyyy HH:mm' } },
      { codeSet: '2025', district2025: 'province' },
    ];
    const rng = mulberry32(20261204);
    let accepted = 0;
    for (const settings of settingsList) {
      // The deployed profile's dossier too (D20): its added fields, CertificateExtentData's XML among them.
      for (const op of [dossier, progress, decision, operation('dossier', 'deployed')]) {
        let inputs = [...Array.from({ length: 1500 }, (_, i) => messy[op.id](i)), ...Array.from({ length: 1500 }, (_, i) => generate(op.id, i, rng))];
        if (op.profile === 'deployed') {
          inputs = inputs.map((r, i) => (!r || typeof r !== 'object' || Array.isArray(r) ? r : { ...r, NgayTiepNhan: r.SubmittedDate, SoQuyetDinh: ` ${i}/QĐ-UBND `, TrichYeu: r.HoVaTen,
            DuongDanTepTinKetQua: i % 2 ? `https://motcua.example.vn/kq/${i}.pdf?a=1&b=<2>` : [{ DuongDanTepTinKetQua: `https://motcua.example.vn/kq/${i}.pdf`, TenGiayTo: `Quyết định <${i}> & "x"` }] }));
        }
        for (const input of inputs) {
          const p = prepare(op, input, settings);
          if (!p.record) continue;
          accepted++;
          const full = inspectWire(op, p.record, settings);
          assert.deepStrictEqual(full.errors, [], `${op.api} ${JSON.stringify(settings)}: ${JSON.stringify(p.record)}`);
          // And nothing the full check would warn about went unsaid.
          const said = new Set(p.warnings.map((w) => `${w.field}|${w.code}`));
          for (const w of full.warnings) assert.ok(said.has(`${w.field}|${w.code}`), `${op.api}: ${w.field} ${w.code} unsaid`);
        }
      }
    }
    assert.ok(accepted > 20_000, `${accepted} accepted records checked`);
    // The catalogue kinds rest on this: the entry found by its own wire form is itself.
    for (const g of gender.all()) assert.strictEqual(gender.find(g.id).id, g.id);
    for (const e of ethnicity.all()) {
      assert.strictEqual(ethnicity.find(e.id, 'id').id, e.id);
      if (e.gso) assert.strictEqual(ethnicity.find(e.gso, 'gso').gso, e.gso);
    }
    for (const p of issuingPlace.all()) assert.strictEqual(issuingPlace.find(p.id).id, p.id);
  });

  const { CLEAN_RANGE, isNfc, length } = require('../lib/normalise/text');
  // Every character the fast path lets through unnormalised, from the range it is built from.
  const chars = [];
  for (const [, a, b] of CLEAN_RANGE.matchAll(/\\(?:x|u)([0-9A-F]+)-\\(?:x|u)([0-9A-F]+)/g)) {
    for (let c = parseInt(a, 16); c <= parseInt(b, 16); c++) chars.push(String.fromCharCode(c));
  }
  it('reads the range it checks (ASCII and the Latin blocks Vietnamese uses)', () => {
    assert.ok(chars.length > 600, String(chars.length));
    for (const c of 'aZ~ĐđƯươỹẠ') assert.ok(chars.includes(c), c);
  });
  it('no character of it, and no pair of them, changes under NFC', () => {
    for (const a of chars) {
      assert.strictEqual(a.normalize('NFC'), a);
      for (const b of chars) if ((a + b).normalize('NFC') !== a + b) assert.fail(`${a}${b} U+${a.charCodeAt(0).toString(16)} U+${b.charCodeAt(0).toString(16)}`);
    }
  });
  it('isNfc answers as normalize does for decomposed and mixed text', () => {
    for (const s of ['Lò Thị Mai', 'Lò Thị Mai'.normalize('NFD'), 'Nguyễn Văn A\u0301', 'Å', '\u212B', '한국', 'ﬁ', 'Ðặng']) assert.strictEqual(isNfc(s), s.normalize('NFC') === s, s);
  });
  it('counts code points as for…of does: pairs once, lone halves once', () => {
    for (const s of ['', 'abc', '𝔸𝔹', 'a\uD835', '\uDD38b', '\uDD38\uD835', 'Lò 𝔸 Thị', '\uD835\uD835\uDD38']) assert.strictEqual(length(s), [...s].length, JSON.stringify(s));
  });
  it('a field of astral characters is held to its limit in characters, not UTF-16 units', () => {
    const wire = prepare(dossier, DOSSIER).record;
    assert.deepStrictEqual(checkWire(dossier, { ...wire, HoVaTen: '𝔸'.repeat(250) }), []);
    assert.ok(has(checkWire(dossier, { ...wire, HoVaTen: '𝔸'.repeat(251) }), 'HoVaTen', 'maxLength'));
    assert.ok(has(checkWire(dossier, { ...wire, HoVaTen: '' }), 'HoVaTen', 'required'));
    assert.ok(has(checkWire(dossier, { ...wire, HoVaTen: '   ' }), 'HoVaTen', 'required'));
  });
});

describe('checkWire', () => {
  const good = {
    dossier: prepare(dossier, DOSSIER).record,
    progress: prepare(progress, PROGRESS).record,
    decision: prepare(decision, DECISION).record,
  };
  it('good records of the three operations pass, strict or not', () => {
    for (const id of Object.keys(good)) {
      assert.deepStrictEqual(checkWire(OPS[id], good[id]), []);
      assert.deepStrictEqual(checkWire(OPS[id], good[id], { strict: true }), []);
    }
  });
  it('optional fields sent blank ("" or null) pass', () => {
    assert.deepStrictEqual(checkWire(dossier, { ...good.dossier, DanTocId: '', Email: null, NOHT_MaThon: '' }), []);
  });
  const bad = [
    ['not an object', dossier, () => [good.dossier], null, 'notObject'],
    ['unknown field', dossier, (r) => ({ ...r, DiaChi: 'Hà Nội' }), 'DiaChi', 'unknownField'],
    ['the seed spelling on the wire', dossier, (r) => ({ ...r, HKTTC_MaTinh: '01' }), 'HKTTC_MaTinh', 'aliasOnWire'],
    ['missing required', progress, (r) => { const c = { ...r }; delete c.NgayKetThucTheoQuyDinh; return c; }, 'NgayKetThucTheoQuyDinh', 'required'],
    ['blank required', decision, (r) => ({ ...r, Url: '' }), 'Url', 'required'],
    ['spaces only in a required field', decision, (r) => ({ ...r, HoVaTen: '   ' }), 'HoVaTen', 'required'],
    ['StatusId as a string', dossier, (r) => ({ ...r, StatusId: '1' }), 'StatusId', 'type'],
    ['date in another format', dossier, (r) => ({ ...r, NgayThangNamSinh: '1950-03-04' }), 'NgayThangNamSinh', 'dateFormat'],
    ['date not zero-padded', dossier, (r) => ({ ...r, NgayThangNamSinh: '4/3/1950' }), 'NgayThangNamSinh', 'dateFormat'],
    ['impossible date', dossier, (r) => ({ ...r, CMND_NgayCap: '31/02/2021' }), 'CMND_NgayCap', 'dateInvalid'],
    ['future birth date', dossier, (r) => ({ ...r, NgayThangNamSinh: `01/01/${NEXT_YEAR}` }), 'NgayThangNamSinh', 'dateFuture'],
    ['datetime missing seconds', progress, (r) => ({ ...r, ThoiDiemXuLy: '202506130915' }), 'ThoiDiemXuLy', 'dateFormat'],
    ['gender as a name', dossier, (r) => ({ ...r, GioiTinhId: 'Nữ' }), 'GioiTinhId', 'genderUnknown'],
    ['ethnicity as a name', dossier, (r) => ({ ...r, DanTocId: 'Thái' }), 'DanTocId', 'ethnicityUnknown'],
    ['ethnicity GSO with a leading zero', dossier, (r) => ({ ...r, DanTocId: '01' }), 'DanTocId', 'ethnicityUnknown', GSO],
    ['ethnicity id 82 is not a GSO code', dossier, (r) => ({ ...r, DanTocId: '82' }), 'DanTocId', 'ethnicityUnknown', GSO],
    ['issuing place as a name', dossier, (r) => ({ ...r, CMND_NoiCap: 'Hà Nội' }), 'CMND_NoiCap', 'issuingPlaceUnknown'],
    ['issuing place id that the seed lacks', dossier, (r) => ({ ...r, CMND_NoiCap: '1246' }), 'CMND_NoiCap', 'issuingPlaceUnknown'],
    ['procedure outside the 11, strict', dossier, (r) => ({ ...r, MaTTHC: '1.000123' }), 'MaTTHC', 'procedureUnknown', { strict: true }],
    ['procedure in the seed spelling, strict', dossier, (r) => ({ ...r, MaTTHC: '2.0000286' }), 'MaTTHC', 'procedureCode', { strict: true }],
    ['unpadded province', dossier, (r) => ({ ...r, MaTinh: '1' }), 'MaTinh', 'codeFormat'],
    ['dotted commune', dossier, (r) => ({ ...r, MaXa: '001.00001' }), 'MaXa', 'codeFormat'],
    ['commune of another district', dossier, (r) => ({ ...r, MaXa: '00037' }), 'MaXa', 'unitNotInDistrict'],
    ['district of another province', dossier, (r) => ({ ...r, HKTT_MaTinh: '79' }), 'HKTT_MaHuyen', 'unitNotInProvince'],
    ['commune without its province', dossier, (r) => { const c = { ...r }; delete c.HKTT_MaTinh; return c; }, 'HKTT_MaTinh', 'groupIncomplete'],
    ['2025 code on a pre-2025 connection', dossier, (r) => ({ ...r, MaTinh: '14', MaHuyen: '118', MaXa: '03980' }), 'MaXa', 'unitNewSet'],
    ['pre-2025 commune on a 2025 connection', dossier, (r) => ({ ...r, HKTT_MaTinh: undefined, HKTT_MaHuyen: undefined, HKTT_MaXa: undefined, MaHuyen: '000' }), 'MaXa', 'unitOldSet', { ...Y2025, district2025: 'empty' }],
    ['2025 MaHuyen against the setting', dossier, (r) => ({ ...r, MaXa: '00118', MaHuyen: '004', HKTT_MaTinh: undefined, HKTT_MaHuyen: undefined, HKTT_MaXa: undefined }), 'MaHuyen', 'districtSetting', { ...Y2025, district2025: 'province' }],
    ['personal id of 10 digits', decision, (r) => ({ ...r, CMND: '0011950123' }), 'CMND', 'personalIdLength'],
    ['personal id with spaces', decision, (r) => ({ ...r, CMND: '001 195 012 345' }), 'CMND', 'personalIdDigits'],
    ['relative Url', decision, (r) => ({ ...r, Url: 'files/QD-52.pdf' }), 'Url', 'url'],
    ['javascript: Url', decision, (r) => ({ ...r, Url: 'javascript:alert(1)' }), 'Url', 'url'],
    ['control character', progress, (r) => ({ ...r, NguoiXuLy: 'Nguyễn\u0000Văn An' }), 'NguoiXuLy', 'controlChar'],
    ['decomposed text, strict', progress, (r) => ({ ...r, NguoiXuLy: 'Nguyễn Văn An'.normalize('NFD') }), 'NguoiXuLy', 'notNfc', { strict: true }],
    ['NOHT_MaThon over 10, strict', dossier, (r) => ({ ...r, NOHT_MaThon: 'Thôn Nà Lừa, xã Hưng' }), 'NOHT_MaThon', 'maxLength', { strict: true }],
  ];
  for (const [name, op, mutate, field, code, settings] of bad) {
    it(`rejects: ${name} (${field}/${code})`, () => {
      const record = mutate(good[op.id]);
      for (const k of Object.keys(record)) if (record[k] === undefined) delete record[k];
      const errs = checkWire(op, record, settings);
      assert.ok(has(errs, field, code), JSON.stringify(errs));
    });
  }
  it('non-strict: an unknown procedure, a long NOHT_MaThon and NFD text are warnings, not errors', () => {
    const record = { ...good.dossier, MaTTHC: '1.000123', NOHT_MaThon: 'Thôn Nà Lừa, xã Hưng', HoVaTen: 'Lò Thị Mai'.normalize('NFD') };
    assert.deepStrictEqual(checkWire(dossier, record), []);
    const { warnings } = inspectWire(dossier, record);
    for (const [f, c] of [['MaTTHC', 'procedureUnknown'], ['NOHT_MaThon', 'maxLengthStrict'], ['HoVaTen', 'notNfc']]) assert.ok(has(warnings, f, c), JSON.stringify(warnings));
  });
  it('2025 records pass with the matching settings only', () => {
    const settings = { codeSet: '2025', district2025: 'empty' };
    const r = run(dossier, NEW, settings);
    assert.strictEqual(r.record.MaHuyen, '000');
    assert.deepStrictEqual(r.errors, [], show(r));
    assert.deepStrictEqual(checkWire(dossier, r.record, settings), []);
    assert.ok(checkWire(dossier, r.record).length > 0, 'a 2025 record is not a valid pre-2025 record');
  });
  it('a masked id never appears in full in wire problems', () => {
    const errs = checkWire(decision, { ...good.decision, CMND: '0011950123' });
    assert.ok(!JSON.stringify(errs).includes('0011950123'));
  });
});

describe('prepare reports each problem once', () => {
  it('a warning found by the normaliser and by the wire check appears once', () => {
    const r = run(dossier, { CMND: '012345678', MaTTHC: '1.000123', NOHT_MaThon: 'Thôn Nà Lừa, xã Hưng' });
    const keys = r.warnings.map((p) => `${p.field}|${p.code}`);
    assert.deepStrictEqual(keys.sort(), ['CMND|oldCmnd', 'MaTTHC|procedureUnknown', 'NOHT_MaThon|maxLengthStrict']);
  });
  it('strict: the same findings are errors, once each, and nothing is sent', () => {
    const r = run(dossier, { MaTTHC: '1.000123', NOHT_MaThon: 'Thôn Nà Lừa, xã Hưng' }, { strict: true });
    assert.strictEqual(r.record, null);
    assert.deepStrictEqual(r.errors.map((p) => `${p.field}|${p.code}`).sort(), ['MaTTHC|procedureUnknown', 'NOHT_MaThon|maxLengthStrict']);
  });
});

describe('records typed the way people type them (test/support/messy.js, the benchmark\'s input)', function () {
  const messy = require('./support/messy');
  const { format, Wall } = require('../lib/normalise/wall');
  for (const [id, op] of [['dossier', dossier], ['progress', progress], ['decision', decision]]) {
    it(`${id}: 3,000 messy records all normalise, each date to the day and time it was written`, function () {
      for (let i = 0; i < 3000; i++) {
        const input = messy[id](i);
        const r = prepare(op, input);
        assert.deepStrictEqual(r.errors, [], `${id} ${i}: ${JSON.stringify(input)}`);
        for (const f of op.fields.filter((x) => x.kind === 'date')) {
          const v = input[f.name];
          if (v === undefined) continue;
          // The same instant or wall time, read independently: a Date is an instant, a "Z" or "+07:00" too.
          const want = v instanceof Date ? Wall.at(v.getTime()) : undefined;
          if (want) assert.strictEqual(r.record[f.name], format(f.format).write(want), `${id} ${i} ${f.name}`);
          assert.ok(format(f.format).read(r.record[f.name]), `${id} ${i} ${f.name} reads back`);
        }
      }
    });
  }
  it('keeps each record\'s fields apart: names trimmed and NFC, ids without spaces, codes padded, hierarchies cut to their own part', function () {
    for (let i = 0; i < 500; i++) {
      const r = prepare(dossier, messy.dossier(i)).record;
      assert.strictEqual(r.HoVaTen, r.HoVaTen.normalize('NFC').replace(/\s+/g, ' ').trim());
      assert.match(r.CMND, /^\d{12}$/);
      assert.match(r.MaTinh, /^\d{2}$/);
      assert.match(r.MaXa, /^\d{5}$/);
      assert.match(r.SubmittedDate, /^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}:\d{2}$/);
      assert.ok(['1034', '1035'].includes(r.GioiTinhId));
    }
  });
});

describe('StatusId by the national status list (D23)', () => {
  const { operation } = require('../lib/fields');
  const step = { ...require('./support/records').progress(1) };
  it('a name of the list is sent as its number, with a warning; the province\'s mapping comes first; another word is an error', () => {
    const op = operation('progress');
    const named = prepare(op, { ...step, StatusId: 'Đang xử lý' });
    assert.strictEqual(named.record.StatusId, 4);
    assert.deepStrictEqual(named.warnings.filter((w) => w.field === 'StatusId').map((w) => [w.code, w.params.id]), [['statusByName', 4]]);
    assert.strictEqual(prepare(op, { ...step, StatusId: 'da tra ket qua' }).record.StatusId, 10);
    const mapped = prepare(op, { ...step, StatusId: 'Đang xử lý' }, { statusMap: { 'Đang xử lý': 7 } });
    assert.strictEqual(mapped.record.StatusId, 7, 'the mapping wins');
    assert.ok(!mapped.warnings.some((w) => w.code === 'statusByName'));
    assert.strictEqual(prepare(op, { ...step, StatusId: 42 }).record.StatusId, 42, 'any other whole number passes (D9)');
    const wrong = prepare(op, { ...step, StatusId: 'gần xong' });
    assert.strictEqual(wrong.record, null);
    assert.deepStrictEqual(wrong.errors.map((e) => [e.field, e.code]), [['StatusId', 'integer']]);
  });
});

describe('SubmitedDate, as the deployed systems spell it (D20)', () => {
  const { operation } = require('../lib/fields');
  it('is read as SubmittedDate, said as another spelling, and sent under the table\'s name', () => {
    const raw = { ...require('./support/records').dossier(1) };
    const when = raw.SubmittedDate;
    delete raw.SubmittedDate;
    const p = prepare(operation('dossier'), { ...raw, SubmitedDate: when });
    assert.ok(p.record, JSON.stringify(p.errors));
    assert.strictEqual(p.record.SubmittedDate, when);
    assert.ok(!('SubmitedDate' in p.record), 'never both');
    assert.deepStrictEqual(p.aliases, [{ from: 'SubmitedDate', to: 'SubmittedDate' }]);
  });
});
