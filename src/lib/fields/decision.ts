import type { OperationSpec } from './types';

/** FileQuyetDinh — the final decision's file link, mandatory for every province (seed 3.3, annex 1.2c). */
export const decision: OperationSpec = {
  id: 'decision',
  profile: 'annex',
  api: 'FileQuyetDinh',
  path: '/api/v1/Service/FileQuyetDinh',
  title: { vi: 'Đồng bộ quyết định phê duyệt', en: 'Sync final decisions' },
  keyFields: ['MaHoSo'],
  fields: [
    { name: 'MaHoSo', type: 'string', kind: 'code', max: 50, required: true,
      doc: { vi: 'Mã hồ sơ', en: 'Dossier code' } },
    { name: 'HoVaTen', type: 'string', kind: 'text', max: 250, required: true,
      doc: { vi: 'Họ và tên người đăng ký', en: 'Applicant full name' } },
    { name: 'CMND', type: 'string', kind: 'personalId', max: 50, required: true,
      doc: { vi: 'Số định danh cá nhân', en: 'Personal identification number' } },
    // BTXH runs OCR on this file: it must be a reachable document, not a login page.
    { name: 'Url', type: 'string', kind: 'url', max: 500, required: true,
      doc: { vi: 'Đường dẫn file quyết định phê duyệt (PDF hoặc ảnh)', en: 'Link to the approval decision file (PDF or image)' } },
  ],
};
