'use strict';
// Synthetic, realistic records for the tests (never a real person).
const names = ['Nguyễn Thị Hoa', 'Lò Văn Páo', 'Trần Văn Bảy', 'Phạm Thị Lan', 'Vàng Thị Mỷ', 'Đinh Văn Thắng', 'Hà Thị Nguyệt', 'Lê Quang Vinh'];

function pad(n, w) {
  return String(n).padStart(w, '0');
}

/** A valid raw dossier as a one-stop system might hold it; `i` makes MaHoSo and CMND unique. */
function dossier(i, extra = {}) {
  return {
    MaHoSo: `000.00.18.H26-251103-${pad(i, 4)}`,
    MaTTHC: '1.001776',
    HoVaTen: names[i % names.length],
    NgayThangNamSinh: `${pad((i % 27) + 1, 2)}/03/1948`,
    GioiTinhId: i % 2 ? 'Nam' : 'Nữ',
    DanTocId: 'Kinh',
    CMND: `0011480${pad(i, 5)}`,
    MaTinh: '01',
    MaHuyen: '001',
    MaXa: '00004',
    StatusId: 1,
    SubmittedDate: '03/11/2025 08:15:00',
    ...extra,
  };
}

function progress(i, extra = {}) {
  return {
    MaHoSo: `000.00.18.H26-251103-${pad(i, 4)}`,
    TaiKhoanXuLy: 'canbo.ldtbxh',
    NguoiXuLy: 'Trần Văn An',
    ChucDanh: 'Chuyên viên',
    ThoiDiemXuLy: `2025-11-04 09:${pad(i % 60, 2)}:00`,
    PhongBanXuLy: 'Phòng Lao động - Thương binh và Xã hội',
    NoiDungXuLy: 'Thẩm định hồ sơ',
    StatusId: 2,
    NgayBatDau: '2025-11-04 08:00:00',
    NgayKetThucTheoQuyDinh: '2025-11-14 17:00:00',
    ...extra,
  };
}

function decision(i, extra = {}) {
  return {
    MaHoSo: `000.00.18.H26-251103-${pad(i, 4)}`,
    HoVaTen: names[i % names.length],
    CMND: `0011480${pad(i, 5)}`,
    Url: `https://motcua.example.vn/files/qd-${pad(i, 4)}.pdf`,
    ...extra,
  };
}

module.exports = { dossier, progress, decision, pad };
