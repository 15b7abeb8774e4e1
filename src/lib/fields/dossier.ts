import type { FieldSpec, OperationSpec } from './types';

const DATE = 'dd/MM/yyyy';

/** An address block (HKTT = permanent residence, NOHT = current residence). */
function address(prefix: 'HKTT' | 'NOHT', group: 'permanent' | 'current', label: { vi: string; en: string }): FieldSpec[] {
  // D2: the seed's example spells the permanent-residence block HKTTC_*.
  const alias = (suffix: string) => (prefix === 'HKTT' ? [`HKTTC_${suffix}`] : []);
  return [
    { name: `${prefix}_MaTinh`, type: 'string', kind: 'province', max: 10, required: false, group, aliases: alias('MaTinh'),
      doc: { vi: `Mã tỉnh ${label.vi} theo GSO`, en: `Province GSO code of the ${label.en}` } },
    { name: `${prefix}_MaHuyen`, type: 'string', kind: 'district', max: 10, required: false, group, aliases: alias('MaHuyen'),
      doc: { vi: `Mã huyện ${label.vi} theo GSO`, en: `District GSO code of the ${label.en}` } },
    { name: `${prefix}_MaXa`, type: 'string', kind: 'commune', max: 10, required: false, group, aliases: alias('MaXa'),
      doc: { vi: `Mã xã ${label.vi} theo GSO`, en: `Commune GSO code of the ${label.en}` } },
    // D8: NOHT_MaThon is 10 in the table but holds 20 in the example; validate 250, strict mode 10.
    { name: `${prefix}_MaThon`, type: 'string', kind: 'text', max: 250, strictMax: prefix === 'NOHT' ? 10 : undefined, required: false,
      aliases: alias('MaThon'), doc: { vi: `Tên thôn ${label.vi}`, en: `Hamlet name of the ${label.en}` } },
    { name: `${prefix}_ChiTiet`, type: 'string', kind: 'text', max: 250, required: false, aliases: alias('ChiTiet'),
      doc: { vi: `Thông tin chi tiết ${label.vi}`, en: `Address detail of the ${label.en}` } },
  ];
}

/** DongBoDVC — a new dossier (seed 3.1, annex 1.2a). */
export const dossier: OperationSpec = {
  id: 'dossier',
  profile: 'annex',
  api: 'DongBoDVC',
  path: '/api/v1/Service/DongBoDVC',
  title: { vi: 'Đồng bộ hồ sơ tiếp nhận', en: 'Sync new dossiers' },
  keyFields: ['MaHoSo'],
  fields: [
    // D7: 25 characters for DongBoDVC (the seed's own example is exactly 25).
    { name: 'MaHoSo', type: 'string', kind: 'code', max: 25, required: true,
      doc: { vi: 'Mã hồ sơ TTHC (Điều 26 Nghị định 61/2018/NĐ-CP)', en: 'Dossier code (Art. 26 Decree 61/2018/ND-CP)' } },
    { name: 'MaTTHC', type: 'string', kind: 'procedure', max: 50, required: true, fact: 'procedure',
      doc: { vi: 'Mã thủ tục hành chính theo CSDL TTHC Quốc gia', en: 'Procedure code in the national TTHC database' } },
    { name: 'TenTTHC', type: 'string', kind: 'procedureName', max: 500, required: true,
      doc: { vi: 'Tên thủ tục hành chính (tự điền từ MaTTHC nếu thiếu)', en: 'Procedure name (filled from MaTTHC when missing)' } },
    { name: 'HoVaTen', type: 'string', kind: 'text', max: 250, required: true,
      doc: { vi: 'Họ và tên người đăng ký', en: 'Applicant full name' } },
    { name: 'NgayThangNamSinh', type: 'date', kind: 'date', format: DATE, required: true,
      doc: { vi: 'Ngày tháng năm sinh', en: 'Date of birth' } },
    { name: 'GioiTinhId', type: 'string', kind: 'gender', max: 25, required: false,
      doc: { vi: 'Giới tính (1034 Nam, 1035 Nữ)', en: 'Gender (1034 male, 1035 female)' } },
    { name: 'DanTocId', type: 'string', kind: 'ethnicity', max: 25, required: false,
      doc: { vi: 'Dân tộc (mã danh mục, 29 = Kinh)', en: 'Ethnicity (catalogue id, 29 = Kinh)' } },
    { name: 'CMND', type: 'string', kind: 'personalId', max: 25, required: true,
      doc: { vi: 'Số định danh cá nhân (CCCD 12 số)', en: 'Personal identification number (12-digit CCCD)' } },
    { name: 'CMND_NgayCap', type: 'date', kind: 'date', format: DATE, required: false,
      doc: { vi: 'Ngày cấp số định danh', en: 'ID issue date' } },
    { name: 'CMND_NoiCap', type: 'string', kind: 'issuingPlace', max: 250, required: false,
      doc: { vi: 'Nơi cấp (mã danh mục)', en: 'ID issuing place (catalogue id)' } },
    { name: 'MaTinh', type: 'string', kind: 'province', max: 10, required: true, group: 'handling', fact: 'province',
      doc: { vi: 'Mã tỉnh xử lý hồ sơ theo GSO', en: 'GSO code of the province handling the dossier' } },
    { name: 'MaHuyen', type: 'string', kind: 'district', max: 10, required: true, group: 'handling', fact: 'district',
      doc: { vi: 'Mã huyện xử lý hồ sơ theo GSO', en: 'GSO code of the district handling the dossier' } },
    { name: 'MaXa', type: 'string', kind: 'commune', max: 10, required: true, group: 'handling', fact: 'commune',
      doc: { vi: 'Mã xã xử lý hồ sơ theo GSO', en: 'GSO code of the commune handling the dossier' } },
    ...address('HKTT', 'permanent', { vi: 'hộ khẩu thường trú', en: 'permanent residence' }),
    ...address('NOHT', 'current', { vi: 'nơi ở hiện tại', en: 'current residence' }),
    { name: 'SoDienThoai', type: 'string', kind: 'phone', max: 50, required: false,
      doc: { vi: 'Số điện thoại', en: 'Phone number' } },
    { name: 'Email', type: 'string', kind: 'email', max: 200, required: false,
      doc: { vi: 'Thư điện tử', en: 'Email' } },
    { name: 'StatusId', type: 'int', kind: 'status', required: true,
      doc: { vi: 'Trạng thái hồ sơ', en: 'Dossier status' } },
    // D20: the deployed province and BTXH's own answers spell it with one "t" (SubmitedDate): read as this field.
    { name: 'SubmittedDate', type: 'datetime', kind: 'date', format: 'dd/MM/yyyy HH:mm:ss', required: true, fact: 'submitted', aliases: ['SubmitedDate'],
      doc: { vi: 'Ngày gửi hồ sơ', en: 'Date the dossier was submitted' } },
  ],
};
