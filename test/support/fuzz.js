'use strict';
// The fuzz campaign's two halves, written from the annex and not from the package:
// - `generate(op, rng)`: a bad (sometimes good) record, as people, spreadsheets,
//   database drivers and attackers write them; values JSON cannot carry (functions,
//   BigInt, symbols, thenables, cycles, throwing getters and Proxies, invalid Dates)
//   are asked for with a `__hostile` marker that a function node in the flow
//   replaces by the real value (HOSTILE_FUNCTION below);
// - `annexProblems(op, record)`: an independent reading of the annex (api.md,
//   "Fields" and D1-D18) that says what a record on the wire may not be.
// Seeded (mulberry32): a failing run is repeated with FUZZ_SEED.
const { dossier, progress, decision } = require('./records');
const { mulberry32 } = require('./prng');

const BASE = { dossier, progress, decision };
const FIELDS = {
  dossier: ['MaHoSo', 'MaTTHC', 'TenTTHC', 'HoVaTen', 'NgayThangNamSinh', 'GioiTinhId', 'DanTocId', 'CMND', 'CMND_NgayCap', 'CMND_NoiCap', 'MaTinh', 'MaHuyen', 'MaXa',
    'HKTT_MaTinh', 'HKTT_MaHuyen', 'HKTT_MaXa', 'HKTT_MaThon', 'HKTT_ChiTiet', 'NOHT_MaTinh', 'NOHT_MaHuyen', 'NOHT_MaXa', 'NOHT_MaThon', 'NOHT_ChiTiet', 'SoDienThoai', 'Email', 'StatusId', 'SubmittedDate'],
  progress: ['MaHoSo', 'TaiKhoanXuLy', 'NguoiXuLy', 'ChucDanh', 'ThoiDiemXuLy', 'DonViXuLy', 'NoiDungXuLy', 'StatusId', 'NgayBatDau', 'NgayKetThucTheoQuyDinh', 'UseridCreated', 'UseridEdited', 'DateCreated', 'DateEdited'],
  decision: ['MaHoSo', 'HoVaTen', 'CMND', 'Url'],
};

const NEXT_YEAR = new Date().getFullYear() + 1;
/** Values that are wrong somewhere; most are plain JSON. */
const VALUES = [
  null, '', '   ', '\t\n', 0, -1, 1, 1950, 32874, 45820.5, 1e308, -0.5, 2 ** 31, 2 ** 31 - 1, -(2 ** 31), 2 ** 53 + 2, 3.14, true, false, [], {}, [1, 2], { a: 1 },
  'x'.repeat(26), 'x'.repeat(51), 'Ă'.repeat(251), 'x'.repeat(501), 'y'.repeat(4001), 'z'.repeat(300_000),
  'Nguyễn\u0000Văn', 'Trần\u0007', 'abc\u001b[31m', '\u202eNGUYEN', 'Lê\u200bVăn', 'A\u2028B', 'P\u2029', '\ud800', 'x\udc00y', '\ufeffHoa', 'Nguye\u0302\u0303n', '😀👨‍👩‍👧',
  "'; DROP TABLE HoSo;--", '<script>alert(1)</script>', '${7*7}', '{{constructor}}', '__proto__', '../../etc/passwd', '%00', '\\u0000',
  '31/02/1950', '29/02/2023', '2025-13-01', '00/00/0000', '1950', '14-03-1948', '03/14/1950', `01/01/${NEXT_YEAR}`, `${NEXT_YEAR}-06-01T00:00:00Z`, '0001-01-01T00:00:00',
  '2025-06-12T25:00:00', '20251332000000', 'hôm qua', '1/1/1', '99/99/9999 99:99:99', '2025-06-12T08:30:00+99:00',
  '00123456789', '0012345678901', '12345678', 'ABC123456789', '001 234 567 890', '001-234-567-890', '０１２３４５６７８９０１',
  '1', '01', '001', '00001', '99', '999', '99999', '01.001.00001', '1.2.3.4', 'Hà Nội', 'Tỉnh Hà Nội', 'Thừa Thiên Huế', 'Daklak', 'K\'Ho', 'Kinh (Việt)', 'NA', 'Nữ', 'nu', 'F', '1034', 1035, 9999,
  'javascript:alert(1)', 'file:///etc/passwd', 'ftp://x/qd.pdf', 'http://', 'https://x.test/' + 'a'.repeat(600), '//x.test/qd.pdf', 'qd.pdf', 'http://127.0.0.1/qd.pdf', 'https://user:pw@x.test/qd.pdf',
];
const HOSTILE = ['function', 'bigint', 'symbol', 'thenable', 'thenableField', 'cycle', 'getter', 'proxy', 'dateInvalid', 'date', 'buffer', 'map', 'nan', 'infinity', 'undefined', 'deep', 'wide', 'protoNull'];
const RECORDS = [null, 'HS-001', 42, true, [], [[]], { }, { __proto__: null }];

function pick(rng, list) {
  return list[Math.floor(rng() * list.length)];
}

/** One record for `op`, numbered `i` (its MaHoSo and CMND unique), and tagged `_fz` when it is an object. */
function generate(op, i, rng) {
  const r = rng();
  // Some are not records at all.
  if (r < 0.02) return pick(rng, RECORDS);
  const rec = { ...BASE[op](i), _fz: `${op}-${i}` };
  if (r < 0.12) return rec; // a good one, now and then: it must still arrive
  const fields = FIELDS[op];
  const n = 1 + Math.floor(rng() * 3);
  for (let k = 0; k < n; k++) {
    const f = pick(rng, fields);
    const m = rng();
    if (m < 0.1) delete rec[f];
    else if (m < 0.18) {
      rec.__hostile = pick(rng, HOSTILE);
      rec.__field = f;
    } else if (m < 0.24) {
      // The name as people type it: case, spaces, the seed's own misspellings.
      const v = rec[f];
      delete rec[f];
      rec[pick(rng, [f.toLowerCase(), ` ${f}`, f.toUpperCase(), f.replace('HKTT_', 'HKTTC_'), f + 'x'])] = v;
    } else if (m < 0.28) rec[f] = ` ${String(rec[f] ?? '')} `;
    else if (m < 0.3) rec[pick(rng, ['__proto__', 'constructor', 'prototype', 'then', 'toJSON', 'x'.repeat(200)])] = pick(rng, VALUES);
    else rec[f] = pick(rng, VALUES);
  }
  return rec;
}

/**
 * Replaces the markers with values JSON cannot carry. Runs in a Node-RED function
 * node (its source is taken with toString), so it uses nothing from this file.
 */
function HOSTILE_FUNCTION() {
  function convert(r) {
    if (!r || typeof r !== 'object' || Array.isArray(r) || !r.__hostile) return r;
    const k = r.__hostile;
    const f = r.__field || 'HoVaTen';
    delete r.__hostile;
    delete r.__field;
    switch (k) {
      case 'function': r[f] = function () { return 1; }; break;
      case 'bigint': r[f] = BigInt('12345678901234567890'); break;
      case 'symbol': r[f] = Symbol('x'); break;
      case 'thenable': r.then = function (ok) { ok(1); }; break;
      case 'thenableField': r[f] = { then: (ok) => ok(1) }; break;
      case 'cycle': r[f] = { a: 1 }; r[f].self = r; break;
      case 'getter': Object.defineProperty(r, f, { enumerable: true, get() { throw new Error('getter boom'); } }); break;
      case 'proxy': return new Proxy(r, { ownKeys() { throw new Error('proxy boom'); }, get(t, p) { if (p === 'then' || typeof p === 'symbol') return undefined; throw new Error('proxy get'); } });
      case 'dateInvalid': r[f] = new Date(NaN); break;
      case 'date': r[f] = new Date(Date.UTC(1950, 2, 3, 17)); break;
      case 'buffer': r[f] = Buffer.from('001148000001'); break;
      case 'map': r[f] = new Map([['a', 1]]); break;
      case 'nan': r[f] = NaN; break;
      case 'infinity': r[f] = -Infinity; break;
      case 'undefined': r[f] = undefined; break;
      case 'deep': { const o = {}; let c = o; for (let i = 0; i < 3000; i++) { c.a = {}; c = c.a; } r[f] = o; break; }
      case 'wide': r[f] = new Array(50000).fill('x'); break;
      case 'protoNull': return Object.assign(Object.create(null), r);
    }
    return r;
  }
  const body = msg.payload;
  msg.fzn = body.n;
  if (body.topic) {
    msg.topic = body.topic;
    msg.payload = body.payload;
    return msg;
  }
  msg.payload = Array.isArray(body.records) ? body.records.map(convert) : convert(body.records);
  return msg;
}

// ---------------------------------------------------------------------------
// The annex, read independently.

const MAX = {
  dossier: { MaHoSo: 25, MaTTHC: 50, TenTTHC: 500, HoVaTen: 250, GioiTinhId: 25, DanTocId: 25, CMND: 25, CMND_NoiCap: 250, MaTinh: 10, MaHuyen: 10, MaXa: 10,
    HKTT_MaTinh: 10, HKTT_MaHuyen: 10, HKTT_MaXa: 10, HKTT_MaThon: 250, HKTT_ChiTiet: 250, NOHT_MaTinh: 10, NOHT_MaHuyen: 10, NOHT_MaXa: 10, NOHT_MaThon: 250, NOHT_ChiTiet: 250,
    SoDienThoai: 50, Email: 200 },
  progress: { MaHoSo: 50, TaiKhoanXuLy: 250, NguoiXuLy: 250, ChucDanh: 250, DonViXuLy: 250, NoiDungXuLy: 4000, UseridCreated: 250, UseridEdited: 250 },
  decision: { MaHoSo: 50, HoVaTen: 250, CMND: 50, Url: 500 },
};
const REQUIRED = {
  dossier: ['MaHoSo', 'MaTTHC', 'TenTTHC', 'HoVaTen', 'NgayThangNamSinh', 'CMND', 'MaTinh', 'MaHuyen', 'MaXa', 'StatusId', 'SubmittedDate'],
  progress: ['MaHoSo', 'TaiKhoanXuLy', 'NguoiXuLy', 'ChucDanh', 'ThoiDiemXuLy', 'NoiDungXuLy', 'StatusId', 'NgayBatDau', 'NgayKetThucTheoQuyDinh'],
  decision: ['MaHoSo', 'HoVaTen', 'CMND', 'Url'],
};
// D3 defaults: dates dd/MM/yyyy, SubmittedDate with the time, XuLyHoSo yyyyMMddHHmmss.
const DATES = {
  dossier: { NgayThangNamSinh: 'dmy', CMND_NgayCap: 'dmy', SubmittedDate: 'dmyhms' },
  progress: { ThoiDiemXuLy: 'compact', NgayBatDau: 'compact', NgayKetThucTheoQuyDinh: 'compact', DateCreated: 'compact', DateEdited: 'compact' },
  decision: {},
};
const CODES = { MaTinh: 2, MaHuyen: 3, MaXa: 5, HKTT_MaTinh: 2, HKTT_MaHuyen: 3, HKTT_MaXa: 5, NOHT_MaTinh: 2, NOHT_MaHuyen: 3, NOHT_MaXa: 5 };

/** A date on the wire as epoch ms (Vietnam time, +07:00 since 1975), or NaN when it is not a real one. */
function wireDate(v, kind) {
  const s = String(v);
  const m = kind === 'compact' ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(s)
    : kind === 'dmyhms' ? /^(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2}):(\d{2})$/.exec(s) : /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(s);
  if (!m) return NaN;
  const [y, mo, d, h = 0, mi = 0, se = 0] = kind === 'compact' ? m.slice(1).map(Number) : [m[3], m[2], m[1], m[4], m[5], m[6]].map((x) => Number(x ?? 0));
  const t = Date.UTC(y, mo - 1, d, h, mi, se);
  const back = new Date(t);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || se > 59) return NaN;
  if (y < 1900) return NaN;
  return t - 7 * 3600_000;
}

/** What the annex says this wire record may not be; [] when it may be sent. */
function annexProblems(op, rec) {
  const out = [];
  const bad = (field, why) => out.push(`${field}: ${why}`);
  if (!rec || typeof rec !== 'object' || Array.isArray(rec)) return ['record: not an object'];
  const known = new Set(FIELDS[op]);
  for (const k of Object.keys(rec)) if (!known.has(k) && k !== 'AcceptKey') bad(k, 'not a field of the annex');
  for (const f of REQUIRED[op]) if (rec[f] === undefined || rec[f] === null || String(rec[f]).trim() === '') bad(f, 'required');
  for (const [f, v] of Object.entries(rec)) {
    if (typeof v === 'string') {
      const max = MAX[op][f];
      if (max && [...v].length > max) bad(f, `longer than ${max}`);
      // D15: no control characters; a line break only in the free text of a step (NoiDungXuLy, 4,000 characters).
      const text = f === 'NoiDungXuLy' ? v.replace(/\n/g, '') : v;
      if (/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/.test(text)) bad(f, 'control character');
      if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(v)) bad(f, 'lone surrogate');
      if (v !== v.normalize('NFC')) bad(f, 'not NFC');
      if (v !== v.trim()) bad(f, 'untrimmed');
    } else if (v !== null && typeof v === 'object') bad(f, 'not a scalar');
  }
  for (const [f, digits] of Object.entries(CODES)) {
    if (op === 'dossier' && rec[f] !== undefined && !new RegExp(`^\\d{${digits}}$`).test(String(rec[f]))) bad(f, `not a ${digits}-digit GSO code`);
  }
  if ('StatusId' in rec && !(Number.isInteger(Number(rec.StatusId)) && String(rec.StatusId).trim() !== '' && Number(rec.StatusId) >= 0 && Number(rec.StatusId) <= 2 ** 31 - 1)) bad('StatusId', 'not an int');
  if ('CMND' in rec && !/^(\d{9}|\d{12})$/.test(String(rec.CMND))) bad('CMND', 'not a 9- or 12-digit id (D14)');
  if (op === 'dossier' && 'GioiTinhId' in rec && !['1034', '1035'].includes(String(rec.GioiTinhId))) bad('GioiTinhId', 'not 1034/1035 (D4)');
  if (op === 'dossier' && 'DanTocId' in rec && !(Number(rec.DanTocId) >= 29 && Number(rec.DanTocId) <= 82)) bad('DanTocId', 'not a catalogue id (D5)');
  if (op === 'decision' && 'Url' in rec) {
    let u;
    try {
      u = new URL(String(rec.Url));
    } catch {
      u = undefined;
    }
    if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:') || !/^https?:\/\//i.test(String(rec.Url))) bad('Url', 'not an absolute http(s) link');
  }
  const t = {};
  for (const [f, kind] of Object.entries(DATES[op])) {
    if (!(f in rec)) continue;
    t[f] = wireDate(rec[f], kind);
    if (Number.isNaN(t[f])) bad(f, `not a real date in the annex format (${rec[f]})`);
  }
  const soon = Date.now() + 5 * 60_000;
  for (const f of ['NgayThangNamSinh', 'SubmittedDate', 'ThoiDiemXuLy', 'CMND_NgayCap']) if (t[f] > soon) bad(f, 'in the future');
  if (t.CMND_NgayCap < t.NgayThangNamSinh) bad('CMND_NgayCap', 'before birth');
  if (t.SubmittedDate < t.NgayThangNamSinh) bad('SubmittedDate', 'before birth');
  if (t.NgayKetThucTheoQuyDinh < t.NgayBatDau) bad('NgayKetThucTheoQuyDinh', 'before the start');
  return out;
}

module.exports = { mulberry32, generate, HOSTILE_FUNCTION, annexProblems, FIELDS };
