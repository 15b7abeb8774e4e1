'use strict';
/**
 * Synthetic dossiers, steps and decisions typed the way one-stop databases and
 * people type them (never a real person): column names in other cases and the
 * seed's own spellings, decomposed and double-spaced names, zero-width
 * characters from Excel, dates as strings of four shapes, JS Dates and numbers,
 * codes as numbers and dotted hierarchies, ids grouped with spaces, genders and
 * ethnicities as words, extra columns the node must ignore. Every record is
 * valid once normalised, and the dates are spread over decades, so nothing is
 * measured on one repeated value. Used by the benchmarks and a test that holds
 * every record valid.
 */
const fs = require('fs');
const path = require('path');
const { mulberry32 } = require('./prng');

const FAMILY = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Huỳnh', 'Phan', 'Vũ', 'Võ', 'Đặng', 'Bùi', 'Đỗ', 'Hồ', 'Ngô', 'Dương', 'Lý', 'Lò', 'Vàng', 'Hà', 'Đinh'];
const MIDDLE = ['Văn', 'Thị', 'Hữu', 'Đức', 'Ngọc', 'Minh', 'Quang', 'Thanh', 'Xuân', 'Thu'];
const GIVEN = ['Hoa', 'Páo', 'Bảy', 'Lan', 'Mỷ', 'Thắng', 'Nguyệt', 'Vinh', 'Hưởng', 'Tuấn', 'Hằng', 'Dũng', 'Thủy', 'Khải', 'Nhung', 'Sơn', 'Yến', 'Lộc'];
const GENDER = [['Nam', 'nam', 'NAM', '1034'], ['Nữ', 'nữ', 'NỮ', 'Nu', '1035']];
const ETHNICITY = ['Kinh', 'kinh', 'Tày', 'Thái', 'Mường', 'Khmer', 'Hmông', "H'Mông", 'Nùng', 'Dao', '29'];
const PROCEDURES = ['1.001776', '1.001758', '1.001753', '1.001731', '2.000286'];
const HAMLETS = ['Thôn Đông', 'Xóm 3', 'Tổ dân phố 12', 'Bản Nà Pục', 'Ấp Tân Hòa'];
const STREETS = ['Số 12 ngõ 34 phố Hàng Bạc', 'Số 5 đường Lê Lợi', 'Tổ 7', 'Số nhà 108, đường 30/4'];
const STAFF = [['Trần Văn An', 'Chuyên viên'], ['Nguyễn Thị Bích', 'Trưởng phòng'], ['Lê Minh Châu', 'Phó Chủ tịch UBND xã']];
const STEPS = ['Tiếp nhận hồ sơ', 'Thẩm định hồ sơ', 'Trình lãnh đạo phê duyệt', 'Niêm yết công khai tại thôn\r\nkhông có ý kiến'];

/** Communes with their district and province, read once from the shipped catalogue. */
let units;
function communes() {
  if (!units) {
    const data = JSON.parse(fs.readFileSync(path.join(__dirname, '../../data/catalog/units-pre-2025.json'), 'utf8'));
    const d = new Map(data.districts.map((x) => [x[0], x[2]]));
    // [code, name, district] rows; the first 2,000 are spread over the northern provinces.
    units = data.communes.filter((_, i) => i % 5 === 0).slice(0, 2000).map((c) => ({ commune: c[0], district: c[2], province: d.get(c[2]) }));
  }
  return units;
}

const pad = (n, w) => String(n).padStart(w, '0');
const pick = (rng, list) => list[Math.floor(rng() * list.length)];

/** A date in Vietnam's time as one of the shapes a database or a person gives, `time` adding the time of day. */
function dateIn(rng, y, mo, d, h, mi, s, time) {
  const dmy = `${pad(d, 2)}/${pad(mo, 2)}/${y}`;
  const hms = `${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}`;
  switch (Math.floor(rng() * 6)) {
    case 0: return time ? `${dmy} ${hms}` : dmy;
    case 1: return time ? `${y}-${pad(mo, 2)}-${pad(d, 2)} ${hms}` : `${y}-${pad(mo, 2)}-${pad(d, 2)}`;
    // A driver's Date: the wall time in Vietnam (UTC+7 since 1975), as an instant.
    case 2: return new Date(Date.UTC(y, mo - 1, d, time ? h - 7 : -7, time ? mi : 0, time ? s : 0));
    case 3: return time ? `${y}-${pad(mo, 2)}-${pad(d, 2)}T${pad(h - 7, 2)}:${pad(mi, 2)}:${pad(s, 2)}Z` : `${d}/${mo}/${y}`;
    case 4: return time ? `${y}${pad(mo, 2)}${pad(d, 2)}${pad(h, 2)}${pad(mi, 2)}${pad(s, 2)}` : Number(`${y}${pad(mo, 2)}${pad(d, 2)}`);
    default: return time ? `${y}-${pad(mo, 2)}-${pad(d, 2)}T${hms}+07:00` : `  ${dmy} `;
  }
}

/** A messy name: decomposed (NFD) now and then, double spaces, a zero-width space from Excel, stray case of the key. */
function name(rng) {
  let n = `${pick(rng, FAMILY)} ${pick(rng, MIDDLE)} ${pick(rng, GIVEN)}`;
  const r = rng();
  if (r < 0.2) n = n.normalize('NFD');
  else if (r < 0.35) n = ` ${n.replace(/ /g, '  ')} `;
  else if (r < 0.45) n = n + '\u200B';
  return n;
}

function dossier(i, rng = mulberry32(i + 1)) {
  const u = pick(rng, communes());
  const home = pick(rng, communes());
  // Born 1930–2015, the submission at office hours (from 7 h, so the Z form stays on the same day).
  const [by, bm, bd] = [1930 + Math.floor(rng() * 85), 1 + Math.floor(rng() * 12), 1 + Math.floor(rng() * 28)];
  // 10,000 dossiers a day from 01/01/2024: MaHoSo is unique and 25 characters, as the seed's.
  const day = new Date(Date.UTC(2024, 0, 1 + Math.floor(i / 10_000)));
  const [sy, sm, sd] = [day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate()];
  const [h, mi, s] = [7 + Math.floor(rng() * 10), Math.floor(rng() * 60), Math.floor(rng() * 60)];
  const id = `0${pad(1 + Math.floor(rng() * 95), 2)}${rng() < 0.5 ? 1 : 0}${pad(by % 100, 2)}${pad(i % 1_000_000, 6)}`;
  const g = pick(rng, GENDER);
  const r = {
    // The database's own key, a created-by column: not BTXH fields, ignored with a warning.
    ID: i + 1,
    MaHoSo: `000.00.18.H26-${String(sy).slice(2)}${pad(sm, 2)}${pad(sd, 2)}-${pad(i % 10_000, 4)}`,
    [rng() < 0.5 ? 'MaTTHC' : 'mattHC']: pick(rng, PROCEDURES),
    [rng() < 0.5 ? 'HoVaTen' : 'hovaten']: name(rng),
    NgayThangNamSinh: dateIn(rng, by, bm, bd, 0, 0, 0, false),
    GioiTinhId: pick(rng, g),
    DanTocId: pick(rng, ETHNICITY),
    CMND: rng() < 0.3 ? id.replace(/(\d{3})(\d{3})(\d{3})(\d{3})/, '$1 $2 $3 $4') : id,
    MaTinh: rng() < 0.3 ? Number(u.province) : u.province,
    MaHuyen: u.district,
    MaXa: rng() < 0.3 ? `${u.province}.${u.district}.${u.commune}` : rng() < 0.5 ? Number(u.commune) : u.commune,
    HKTTC_MaTinh: home.province,
    HKTTC_MaHuyen: home.district,
    HKTTC_MaXa: home.commune,
    HKTTC_MaThon: pick(rng, HAMLETS),
    HKTT_ChiTiet: pick(rng, STREETS),
    SoDienThoai: rng() < 0.5 ? `09${pad(Math.floor(rng() * 1e8), 8)}` : `+84 9${pad(Math.floor(rng() * 1e8), 8).replace(/(\d{2})(\d{3})(\d{3})/, '$1 $2 $3')}`,
    StatusId: rng() < 0.5 ? 1 : '1',
    SubmittedDate: dateIn(rng, sy, sm, sd, h, mi, s, true),
    NguoiTao: 'motcua.admin',
  };
  if (rng() < 0.5) r.CMND_NgayCap = dateIn(rng, 2016 + Math.floor(rng() * 9), 1 + Math.floor(rng() * 12), 1 + Math.floor(rng() * 28), 0, 0, 0, false);
  if (rng() < 0.3) r.Email = ` ${pick(rng, ['Hoa.Nguyen', 'lvpao', 'tranbay1950'])}@Example.VN `;
  if (rng() < 0.5) r.TenTTHC = 'Trợ cấp xã hội hằng tháng';
  return r;
}

function progress(i, rng = mulberry32(i + 1)) {
  const [staff, title] = pick(rng, STAFF);
  const [y, mo, d] = [2025, 1 + Math.floor(rng() * 10), 1 + Math.floor(rng() * 18)];
  const [h, mi, s] = [8 + Math.floor(rng() * 8), Math.floor(rng() * 60), Math.floor(rng() * 60)];
  return {
    MaHoSo: `000.00.18.H26-25${pad(mo, 2)}${pad(d, 2)}-${pad(i % 10_000, 4)}`,
    TaiKhoanXuLy: rng() < 0.5 ? 'canbo.ldtbxh' : ' canbo.xa ',
    NguoiXuLy: rng() < 0.2 ? staff.normalize('NFD') : staff,
    ChucDanh: title,
    ThoiDiemXuLy: dateIn(rng, y, mo, d + 1, h, mi, s, true),
    PhongBanXuLy: 'Phòng Lao động - Thương binh và Xã hội',
    NoiDungXuLy: pick(rng, STEPS),
    StatusId: rng() < 0.5 ? 2 : '2',
    NgayBatDau: dateIn(rng, y, mo, d, 8, 0, 0, true),
    NgayKetThucTheoQuyDinh: dateIn(rng, y, mo, d + 10, 17, 0, 0, true),
  };
}

function decision(i, rng = mulberry32(i + 1)) {
  return {
    MaHoSo: `000.00.18.H26-251103-${pad(i % 10_000, 4)}`,
    [rng() < 0.5 ? 'HoVaTen' : 'ho va ten']: name(rng),
    CMND: `0011480${pad(i % 100000, 5)}`,
    Url: `https://motcua.example.vn/files/qd-${pad(i, 6)}.pdf`,
  };
}

module.exports = { dossier, progress, decision };
