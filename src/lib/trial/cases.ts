import { DateTime } from 'luxon';
import type { OperationId } from '../fields';

/**
 * The scripted records of a trial connection (the seed's step 2, "kết nối thử nghiệm"):
 * synthetic, and marked so at a glance — every MaHoSo starts with TRIAL_PREFIX and the day,
 * every name says "Thử Nghiệm" — so BTXH's technical staff can find and delete them. Valid
 * records of each operation go as one request; each record the server should refuse goes
 * alone, so its answer is its own.
 */
export const TRIAL_PREFIX = 'THUNGHIEM-';

export interface TrialCase {
  op: OperationId;
  /** What the server should answer. */
  expect: 'accepted' | 'refused';
  /** Why (a key of the `trial.why` texts): "valid", or the fault the record carries. */
  why: string;
  /** As a one-stop system holds them: each goes through the connection's normaliser first. */
  records: Record<string, unknown>[];
  /**
   * For a record the server should refuse: the fault put into its wire form after the
   * normaliser, so it reaches the server past the package's own checks (the server is tested).
   */
  spoil?: (wire: Record<string, unknown>) => Record<string, unknown>;
}

/** The cases of a trial run on `day` (Vietnam's date): MaHoSo THUNGHIEM-yyyyMMdd-nnnn. */
/** Units that are valid in every code set the package knows (Hà Nội, Ba Đình, Phúc Xá). */
const UNITS = { province: '01', district: '001', commune: '00004' };

export function trialCases(day: DateTime, units = UNITS): TrialCase[] {
  const date = day.setZone('Asia/Ho_Chi_Minh');
  const code = (n: number) => `${TRIAL_PREFIX}${date.toFormat('yyyyMMdd')}-${String(n).padStart(4, '0')}`;
  // Yesterday at 08:00, Vietnam's time: never in the future, whatever the hour of the run.
  const submitted = date.startOf('day').minus({ days: 1 }).plus({ hours: 8 });
  const dossier = (n: number, name: string, id: string, gender: string) => ({
    MaHoSo: code(n),
    MaTTHC: '1.001776',
    HoVaTen: name,
    NgayThangNamSinh: '15/03/1950',
    GioiTinhId: gender,
    DanTocId: 'Kinh',
    CMND: id,
    MaTinh: units.province,
    MaHuyen: units.district,
    MaXa: units.commune,
    StatusId: 1,
    SubmittedDate: submitted.toFormat('dd/MM/yyyy HH:mm:ss'),
  });
  const step = (n: number) => ({
    MaHoSo: code(n),
    TaiKhoanXuLy: 'thunghiem.canbo',
    NguoiXuLy: 'Cán Bộ Thử Nghiệm',
    ChucDanh: 'Chuyên viên',
    ThoiDiemXuLy: submitted.plus({ hours: 1 }).toFormat('yyyy-MM-dd HH:mm:ss'),
    PhongBanXuLy: 'Phòng Văn hóa - Xã hội (thử nghiệm)',
    NoiDungXuLy: 'Thẩm định hồ sơ (dữ liệu thử nghiệm)',
    StatusId: 4,
    NgayBatDau: submitted.toFormat('yyyy-MM-dd HH:mm:ss'),
    NgayKetThucTheoQuyDinh: submitted.plus({ days: 10 }).set({ hour: 17 }).toFormat('yyyy-MM-dd HH:mm:ss'),
  });
  const decision = (n: number, name: string, id: string) => ({
    MaHoSo: code(n),
    HoVaTen: name,
    CMND: id,
    Url: `https://thunghiem.invalid/quyet-dinh/${code(n)}.pdf`,
  });
  const a = ['Nguyễn Văn Thử Nghiệm', '001150000001', 'Nam'] as const;
  const b = ['Trần Thị Thử Nghiệm', '001150000002', 'Nữ'] as const;
  return [
    { op: 'dossier', expect: 'accepted', why: 'valid', records: [dossier(1, ...a), dossier(2, ...b)] },
    { op: 'progress', expect: 'accepted', why: 'valid', records: [step(1), step(2)] },
    { op: 'decision', expect: 'accepted', why: 'valid', records: [decision(1, a[0], a[1]), decision(2, b[0], b[1])] },
    { op: 'dossier', expect: 'refused', why: 'noName', records: [dossier(3, 'Lê Văn Thử Nghiệm', '001150000003', 'Nam')], spoil: (w) => ({ ...w, HoVaTen: '' }) },
    { op: 'dossier', expect: 'refused', why: 'unknownCommune', records: [dossier(4, 'Phạm Thị Thử Nghiệm', '001150000004', 'Nữ')], spoil: (w) => ({ ...w, MaXa: '99999' }) },
    { op: 'progress', expect: 'refused', why: 'noTime', records: [step(3)], spoil: without('ThoiDiemXuLy') },
    { op: 'decision', expect: 'refused', why: 'noUrl', records: [decision(4, 'Phạm Thị Thử Nghiệm', '001150000004')], spoil: without('Url') },
  ];
}

function without(field: string): (w: Record<string, unknown>) => Record<string, unknown> {
  return (w) => {
    const out = { ...w };
    delete out[field];
    return out;
  };
}
