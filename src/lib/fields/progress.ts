import type { OperationSpec } from './types';

/** D3: the seed's XuLyHoSo example uses yyyyMMddHHmmss; each field's format is a setting. */
const DATETIME = 'yyyyMMddHHmmss';

/** XuLyHoSo — one processing step of a dossier (seed 3.2, annex 1.2b). */
export const progress: OperationSpec = {
  id: 'progress',
  profile: 'annex',
  api: 'XuLyHoSo',
  path: '/api/v1/Service/XuLyHoSo',
  title: { vi: 'Đồng bộ tiến trình xử lý hồ sơ', en: 'Sync processing steps' },
  // A dossier has many steps: the step's time is part of the key.
  keyFields: ['MaHoSo', 'ThoiDiemXuLy'],
  fields: [
    { name: 'MaHoSo', type: 'string', kind: 'code', max: 50, required: true,
      doc: { vi: 'Mã hồ sơ', en: 'Dossier code' } },
    { name: 'TaiKhoanXuLy', type: 'string', kind: 'text', max: 250, required: true,
      doc: { vi: 'Tài khoản xử lý hồ sơ', en: 'Account that processed the step' } },
    { name: 'NguoiXuLy', type: 'string', kind: 'text', max: 250, required: true,
      doc: { vi: 'Người xử lý', en: 'Person who processed the step' } },
    { name: 'ChucDanh', type: 'string', kind: 'text', max: 250, required: true,
      doc: { vi: 'Chức vụ của người xử lý', en: "That person's position" } },
    { name: 'ThoiDiemXuLy', type: 'datetime', kind: 'date', format: DATETIME, required: true,
      doc: { vi: 'Thời điểm xử lý hồ sơ', en: 'When the step was processed' } },
    // D2: the seed's example says PhongBanXuLy.
    { name: 'DonViXuLy', type: 'string', kind: 'text', max: 250, required: false, aliases: ['PhongBanXuLy'],
      doc: { vi: 'Đơn vị đang xử lý', en: 'Unit now processing' } },
    { name: 'NoiDungXuLy', type: 'string', kind: 'text', max: 4000, required: true,
      doc: { vi: 'Nội dung xử lý', en: 'What was done' } },
    { name: 'StatusId', type: 'int', kind: 'status', required: true,
      doc: { vi: 'Trạng thái của hồ sơ', en: 'Dossier status' } },
    { name: 'NgayBatDau', type: 'datetime', kind: 'date', format: DATETIME, required: true,
      doc: { vi: 'Ngày bắt đầu', en: 'Step start' } },
    // A missing deadline is reported, never invented (the deployed client's now + 1 day).
    { name: 'NgayKetThucTheoQuyDinh', type: 'datetime', kind: 'date', format: DATETIME, required: true,
      doc: { vi: 'Ngày kết thúc theo quy định', en: 'Step deadline by regulation' } },
    // D2: the seed's example spells these with a leading space and "UserId".
    { name: 'UseridCreated', type: 'string', kind: 'text', max: 250, required: false, aliases: [' UserIdCreated'],
      doc: { vi: 'Người tạo', en: 'Created by' } },
    { name: 'UseridEdited', type: 'string', kind: 'text', max: 250, required: false, aliases: [' UserIdEdited'],
      doc: { vi: 'Người cập nhật', en: 'Edited by' } },
    { name: 'DateCreated', type: 'datetime', kind: 'date', format: DATETIME, required: false, aliases: [' DateCreated'],
      doc: { vi: 'Thời gian tạo', en: 'Created at' } },
    { name: 'DateEdited', type: 'datetime', kind: 'date', format: DATETIME, required: false, aliases: [' DateEdited'],
      doc: { vi: 'Thời gian cập nhật', en: 'Edited at' } },
  ],
};
