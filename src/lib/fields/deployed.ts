import { dossier as annex } from './dossier';
import type { FieldSpec, OperationSpec } from './types';

const DATE = 'dd/MM/yyyy';
const DATETIME = 'dd/MM/yyyy HH:mm:ss';
const text = (name: string, max: number, vi: string, en: string): FieldSpec => ({ name, type: 'string', kind: 'text', max, required: false, doc: { vi, en } });
const code = (name: string, max: number, vi: string, en: string): FieldSpec => ({ name, type: 'string', kind: 'code', max, required: false, doc: { vi, en } });
const when = (name: string, type: 'date' | 'datetime', vi: string, en: string): FieldSpec =>
  ({ name, type, kind: 'date', format: type === 'date' ? DATE : DATETIME, required: false, doc: { vi, en } });

/**
 * D20: DongBoDVC as a deployed province sends it (api.md, "What deployed peers show"): the
 * annex's 27 fields, then the 20 further fields public code names — decision, reception and
 * channel details, the identification type, and `CertificateExtentData`, an XML document that
 * carries the result file's link. (That province's record has 53 fields; the six the public
 * sources do not name are not guessed.) Every added field is optional: a record of the annex
 * is a record of this profile too. Lengths the sources do not give are the annex's for a field
 * of the same sort (a name 250, a body or a summary 500 or 2000, a code 50).
 */
export const dossier: OperationSpec = {
  ...annex,
  profile: 'deployed',
  fields: [
    ...annex.fields,
    code('LoaiDuLieu', 10, 'Loại dữ liệu (tỉnh đang vận hành gửi "100")', 'Data type (the deployed province sends "100")'),
    code('MaLinhVuc', 50, 'Mã lĩnh vực thủ tục', 'Procedure field code'),
    text('TenLinhVuc', 500, 'Tên lĩnh vực thủ tục', 'Procedure field name'),
    code('LoaiKetQua', 50, 'Loại kết quả giải quyết', 'Kind of result'),
    text('SoQuyetDinh', 100, 'Số, ký hiệu quyết định', 'Decision number'),
    text('CoQuanBanHanh', 500, 'Cơ quan ban hành quyết định', 'Body that issued the decision'),
    text('TrichYeu', 2000, 'Trích yếu quyết định', 'Summary of the decision'),
    when('NgayBanHanh', 'date', 'Ngày ban hành quyết định', 'Date the decision was issued'),
    code('KenhThucHien', 50, 'Kênh thực hiện (trực tiếp, trực tuyến, bưu chính)', 'Channel (in person, online, post)'),
    code('LoaiDoiTuong', 50, 'Loại đối tượng', 'Kind of beneficiary'),
    code('HinhThucTra', 50, 'Hình thức trả kết quả', 'How the result is handed over'),
    when('NgayTiepNhan', 'datetime', 'Thời điểm tiếp nhận hồ sơ', 'When the dossier was received'),
    when('NgayHenTra', 'datetime', 'Ngày hẹn trả kết quả', 'Date the result is due'),
    text('DonViXuLy', 500, 'Đơn vị xử lý hồ sơ', 'Unit handling the dossier'),
    text('NoiNopHoSo', 500, 'Nơi nộp hồ sơ', 'Where the dossier was filed'),
    code('LoaiDinhDanh', 10, 'Loại giấy tờ định danh (1: số định danh 12 số, 2: CMND 9 số)', 'Identification type (1: 12-digit id, 2: 9-digit CMND)'),
    { name: 'SoDinhDanh', type: 'string', kind: 'personalId', max: 25, required: false,
      doc: { vi: 'Số giấy tờ định danh', en: 'Identification number' } },
    code('MaCSDL', 50, 'Mã cơ sở dữ liệu nguồn', 'Source database code'),
    { name: 'UrlDetail', type: 'string', kind: 'url', max: 1000, required: false,
      doc: { vi: 'Đường dẫn xem chi tiết hồ sơ', en: 'Link to the dossier\'s details' } },
    { name: 'CertificateExtentData', type: 'string', kind: 'extentData', max: 20_000, required: false, aliases: ['DuongDanTepTinKetQua'],
      doc: { vi: 'Tài liệu XML ExtentData mang đường dẫn tệp kết quả (đưa vào một đường dẫn, một đối tượng hoặc XML)',
        en: 'The ExtentData XML document carrying the result file\'s link (give a link, an object or the XML)' } },
  ],
};
