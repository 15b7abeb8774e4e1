'use strict';
// A synthetic provincial one-stop database in the shape ../shared/spec/api.md
// describes ("Data shapes"): the dossier table HoSo (EformData JSON, dotted
// hierarchical unit codes, the decision's columns), the processing steps
// QuaTrinhXuLyHoSo joined to the staff table CanBo. The same rows for MariaDB
// and PostgreSQL; never a real person.

const NAMES = ['Nguyễn Thị Hoa', 'Lò Văn Páo', 'Trần Văn Bảy', 'Phạm Thị Lan', 'Vàng Thị Mỷ', 'Đinh Văn Thắng', 'Hà Thị Nguyệt', 'Lê Quang Vinh', "H'Nhi Niê", "K'Brơi"];
const PROCEDURES = ['1.001776', '1.001758', '1.001753', '1.001731', '2.000744', '2.000751'];
// Ba Đình, Hà Nội, before 2025: the district 01.001 and its communes.
const COMMUNES = ['00001', '00004', '00006', '00007', '00008'];
const STAFF = [
  { CanBoID: 1, UserName: 'canbo.xa.phucxa', FullName: 'Trần Văn An', PositionName: 'Công chức Văn hóa - Xã hội', OfficeName: 'UBND phường Phúc Xá' },
  { CanBoID: 2, UserName: 'chuyenvien.ldtbxh', FullName: 'Nguyễn Thị Bích', PositionName: 'Chuyên viên', OfficeName: 'Phòng Lao động - Thương binh và Xã hội quận Ba Đình' },
  { CanBoID: 3, UserName: 'truongphong.ldtbxh', FullName: 'Lê Minh Châu', PositionName: 'Trưởng phòng', OfficeName: 'Phòng Lao động - Thương binh và Xã hội quận Ba Đình' },
];

const pad = (n, w) => String(n).padStart(w, '0');
const START = Date.UTC(2024, 0, 2, 1, 0, 0); // 2024-01-02 08:00 in Vietnam
/** A local wall time "YYYY-MM-DD HH:MM:SS" (Vietnam time, as the one-stop database keeps it). */
function wall(ms) {
  const d = new Date(ms + 7 * 3_600_000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)} ${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
}

/** MaHoSo of dossier i (1-based): 25 characters, as BTXH allows. */
const maHoSo = (i) => `000.00.18.H26-2401-${pad(i, 6)}`;

/**
 * Dossier i. Received times step 10 minutes, and every 4 dossiers share one (so the
 * key breaks ties); every 7th has its result returned (status 10) with a decision file.
 */
function dossier(i, { step = 600_000 } = {}) {
  const female = i % 2 === 1;
  const commune = COMMUNES[i % COMMUNES.length];
  const received = START + Math.floor((i - 1) / 4) * step;
  const decided = i % 7 === 0;
  return {
    HoSoID: i,
    MaHoSo: maHoSo(i),
    MaTTHC: PROCEDURES[i % PROCEDURES.length],
    ChuHoSo: NAMES[i % NAMES.length],
    SoGiayToChuHoSo: `001${female ? 1 : 0}48${pad(i, 6)}`,
    NgaySinhChuHoSo: `${pad((i % 27) + 1, 2)}/03/1948`,
    DiaChiChuHoSo: `Số ${(i % 90) + 1} ngõ 34 Trúc Bạch`,
    TinhThanhChuHoSo: '01',
    QuanHuyenChuHoSo: '01.001',
    XaPhuongChuHoSo: `01.001.${commune}`,
    NgayTiepNhan: wall(received),
    TrangThaiHoSoId: decided ? '10' : '1',
    NguoiGui: `001${female ? 1 : 0}48${pad(i, 6)}`,
    EformData: JSON.stringify({
      GioiTinh: { Code: female ? '2' : '1' },
      DanToc: { Code: '01' },
      NgayCapGiayTo: '10/06/2021',
      NoiCapGiayTo: { Name: 'Cục Cảnh sát quản lý hành chính về trật tự xã hội' },
      SoDienThoai: `09${pad(10_000_000 + i, 8)}`,
    }),
    DinhKemKetQua: decided ? `ketqua/2024/QD-${i}.pdf##ketqua/2024/QD-${i}-phuluc.pdf` : '',
    SoKyHieuKetQua: decided ? `${i}/QĐ-UBND` : null,
    NgayBanHanhKetQua: decided ? wall(received + 5 * 86_400_000) : null,
    CoQuanBanHanhKetQua: decided ? 'UBND quận Ba Đình' : null,
    TrichYeuKetQua: decided ? 'Quyết định trợ cấp xã hội hằng tháng' : null,
  };
}

/** Two steps per dossier: received at the commune, appraised at the district. */
function steps(i, { step = 600_000 } = {}) {
  const received = START + Math.floor((i - 1) / 4) * step;
  return [
    { ID: 2 * i - 1, MaHoSo: maHoSo(i), ThaoTac: 'Tiếp nhận hồ sơ', ThoiGian: wall(received), NgayHetHanBuocXuLy: wall(received + 2 * 86_400_000), TrangThai: '2', CanBoID: 1 },
    { ID: 2 * i, MaHoSo: maHoSo(i), ThaoTac: 'Thẩm định hồ sơ', ThoiGian: wall(received + 86_400_000), NgayHetHanBuocXuLy: wall(received + 5 * 86_400_000), TrangThai: '3', CanBoID: 2 + (i % 2) },
  ];
}

const DOSSIER_COLUMNS = Object.keys(dossier(1));
const STEP_COLUMNS = Object.keys(steps(1)[0]);

/** The tables, in either dialect: `q` quotes a name. */
function ddl(dialect) {
  const q = dialect === 'postgres' ? (n) => `"${n}"` : (n) => `\`${n}\``;
  const text = dialect === 'postgres' ? 'text' : 'TEXT';
  const str = (n) => (dialect === 'postgres' ? `varchar(${n})` : `VARCHAR(${n})`);
  const ts = dialect === 'postgres' ? 'timestamp' : 'DATETIME';
  return [
    `CREATE TABLE ${q('CanBo')} (${q('CanBoID')} integer PRIMARY KEY, ${q('UserName')} ${str(100)}, ${q('FullName')} ${str(200)}, ${q('PositionName')} ${str(200)}, ${q('OfficeName')} ${str(300)})`,
    `CREATE TABLE ${q('HoSo')} (
      ${q('HoSoID')} bigint PRIMARY KEY, ${q('MaHoSo')} ${str(50)} NOT NULL, ${q('MaTTHC')} ${str(50)}, ${q('ChuHoSo')} ${str(250)},
      ${q('SoGiayToChuHoSo')} ${str(20)}, ${q('NgaySinhChuHoSo')} ${str(20)}, ${q('DiaChiChuHoSo')} ${str(300)},
      ${q('TinhThanhChuHoSo')} ${str(20)}, ${q('QuanHuyenChuHoSo')} ${str(20)}, ${q('XaPhuongChuHoSo')} ${str(30)},
      ${q('NgayTiepNhan')} ${ts} NOT NULL, ${q('TrangThaiHoSoId')} ${str(10)}, ${q('NguoiGui')} ${str(50)}, ${q('EformData')} ${text},
      ${q('DinhKemKetQua')} ${text}, ${q('SoKyHieuKetQua')} ${str(50)}, ${q('NgayBanHanhKetQua')} ${ts}, ${q('CoQuanBanHanhKetQua')} ${str(200)}, ${q('TrichYeuKetQua')} ${text})`,
    // The order the sources read in: one index range per page.
    `CREATE INDEX ${q('HoSo_NgayTiepNhan')} ON ${q('HoSo')} (${q('NgayTiepNhan')}, ${q('HoSoID')})`,
    `CREATE INDEX ${q('HoSo_NgayBanHanhKetQua')} ON ${q('HoSo')} (${q('NgayBanHanhKetQua')}, ${q('HoSoID')})`,
    `CREATE TABLE ${q('QuaTrinhXuLyHoSo')} (${q('ID')} bigint PRIMARY KEY, ${q('MaHoSo')} ${str(50)} NOT NULL, ${q('ThaoTac')} ${str(300)}, ${q('ThoiGian')} ${ts} NOT NULL,
      ${q('NgayHetHanBuocXuLy')} ${ts}, ${q('TrangThai')} ${str(10)}, ${q('CanBoID')} integer)`,
    `CREATE INDEX ${q('QuaTrinh_ThoiGian')} ON ${q('QuaTrinhXuLyHoSo')} (${q('ThoiGian')}, ${q('ID')})`,
  ];
}

/** Multi-row INSERTs of `rows` into `table`, in chunks: [sql, values] pairs for the dialect's placeholders. */
function inserts(dialect, table, columns, rows, chunk = 500) {
  const q = dialect === 'postgres' ? (n) => `"${n}"` : (n) => `\`${n}\``;
  const out = [];
  for (let i = 0; i < rows.length; i += chunk) {
    const part = rows.slice(i, i + chunk);
    const values = [];
    const tuples = part.map((r) => `(${columns.map((c) => (values.push(r[c]), dialect === 'postgres' ? `$${values.length}` : '?')).join(', ')})`);
    out.push([`INSERT INTO ${q(table)} (${columns.map(q).join(', ')}) VALUES ${tuples.join(', ')}`, values]);
  }
  return out;
}

/** Creates the tables and fills them with dossiers from..to (inclusive) and their steps. `exec(sql, values)` runs one statement. */
async function seed(dialect, exec, { from = 1, to, create = true } = {}) {
  if (create) {
    for (const s of ddl(dialect)) await exec(s, []);
    for (const [s, v] of inserts(dialect, 'CanBo', Object.keys(STAFF[0]), STAFF)) await exec(s, v);
  }
  const ids = Array.from({ length: to - from + 1 }, (_, k) => from + k);
  for (const [s, v] of inserts(dialect, 'HoSo', DOSSIER_COLUMNS, ids.map((i) => dossier(i)))) await exec(s, v);
  for (const [s, v] of inserts(dialect, 'QuaTrinhXuLyHoSo', STEP_COLUMNS, ids.flatMap((i) => steps(i)))) await exec(s, v);
}

module.exports = { dossier, steps, seed, ddl, maHoSo, wall, STAFF, DOSSIER_COLUMNS, STEP_COLUMNS, START };
