'use strict';
// Writes the example flows in examples/ (Import > Examples in Node-RED). The
// dossier example carries the bundled synthetic samples, so the example and the
// demo always hold the same records. Run after editing data/samples/.
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const samples = fs.readFileSync(path.join(root, 'data/samples/dossiers.json'), 'utf8');

const auth = (id) => ({
  id, type: 'btxh-auth', name: 'BTXH sandbox', baseUrl: 'http://127.0.0.1:8088', mode: 'token',
  pathToken: '/api/v1/Service/GetToken', pathDossier: '/api/v1/Service/DongBoDVC', pathProgress: '/api/v1/Service/XuLyHoSo',
  pathDecision: '/api/v1/Service/FileQuyetDinh', bodyShape: 'array', timeout: 30, tokenLifetime: 30, tls: '', proxy: '',
  gatewayTokenUrl: '', gatewayHeaders: '', ethnicityCode: 'id', codeSet: 'pre-2025', district2025: 'old', strict: false,
  statusMap: '', queue: 'sqlite', queueFile: '', synchronous: 'FULL',
});
// Delivery settings are left out on purpose: an imported example runs with the shipped defaults
// (src/lib/engine/sender.ts SENDER_DEFAULTS), and a later version's better defaults reach it.
const delivery = { version: 2, resend: false, dateFormats: '' };
const debug = (id, z, name, x, y) => ({ id, type: 'debug', z, name, active: true, tosidebar: true, console: false, tostatus: false, complete: 'true', targetType: 'full', x, y, wires: [] });
const write = (name, nodes) => fs.writeFileSync(path.join(root, 'examples', name), JSON.stringify(nodes, null, 2) + '\n');

const flow = [
  { id: 'b7d1c0a1e0f00001', type: 'tab', label: 'BTXH: đồng bộ hồ sơ / dossier sync', info: '' },
  {
    id: 'b7d1c0a1e0f00002', type: 'comment', z: 'b7d1c0a1e0f00001', name: 'Đọc trước / read me', x: 150, y: 40, wires: [],
    info: [
      'Gửi hồ sơ mẫu (dữ liệu giả lập) tới hệ thống BTXH thử nghiệm (sandbox).',
      'Mở nút cấu hình "BTXH sandbox", nhập tài khoản demo / mật khẩu demo, bấm "Kiểm tra kết nối", rồi Deploy.',
      'Bản ghi cuối cố ý sai (ngày 31/02, số định danh thiếu, thiếu MaXa) để thấy đầu ra 2.',
      '',
      'Sends the bundled synthetic dossiers to the BTXH sandbox. Open the "BTXH sandbox" connection,',
      'enter username demo / password demo, press "Test connection", then Deploy.',
      'The last record is wrong on purpose (31/02, short id, no MaXa) to show output 2.',
    ].join('\n'),
  },
  {
    id: 'b7d1c0a1e0f00003', type: 'inject', z: 'b7d1c0a1e0f00001', name: 'Hồ sơ mẫu / sample dossiers',
    props: [{ p: 'payload' }], repeat: '', crontab: '', once: false, onceDelay: 0.5, topic: '',
    payload: JSON.stringify(JSON.parse(samples)), payloadType: 'json', x: 170, y: 100, wires: [['b7d1c0a1e0f00004']],
  },
  {
    id: 'b7d1c0a1e0f00004', type: 'btxh-dossier', z: 'b7d1c0a1e0f00001', name: '', auth: 'b7d1c0a1e0f00009',
    ...delivery, mapping: {}, x: 420, y: 140, wires: [['b7d1c0a1e0f00005'], ['b7d1c0a1e0f00006']],
  },
  { id: 'b7d1c0a1e0f00005', type: 'debug', z: 'b7d1c0a1e0f00001', name: 'đã gửi / sent', active: true, tosidebar: true, console: false, tostatus: true, complete: 'btxh', targetType: 'msg', statusVal: 'payload.length', statusType: 'msg', x: 660, y: 120, wires: [] },
  { id: 'b7d1c0a1e0f00006', type: 'debug', z: 'b7d1c0a1e0f00001', name: 'không gửi được / not sent', active: true, tosidebar: true, console: false, tostatus: false, complete: 'btxh', targetType: 'msg', statusVal: '', statusType: 'auto', x: 690, y: 160, wires: [] },
  { id: 'b7d1c0a1e0f00007', type: 'inject', z: 'b7d1c0a1e0f00001', name: 'trạng thái / status', props: [{ p: 'topic', vt: 'str' }], repeat: '', crontab: '', once: false, onceDelay: 0.1, topic: 'status', x: 160, y: 160, wires: [['b7d1c0a1e0f00004']] },
  { id: 'b7d1c0a1e0f00008', type: 'inject', z: 'b7d1c0a1e0f00001', name: 'gửi lại lỗi / replay', props: [{ p: 'topic', vt: 'str' }], repeat: '', crontab: '', once: false, onceDelay: 0.1, topic: 'replay', x: 160, y: 200, wires: [['b7d1c0a1e0f00004']] },
  auth('b7d1c0a1e0f00009'),
];
write('dossier-sync.json', flow);

// A processing step from a one-stop workflow event: the one-stop system posts
// its own shape (QuaTrinhXuLyHoSo joined to the staff account) and the mapping
// table turns it into XuLyHoSo. A missing deadline goes to output 2: never invented.
const step = {
  MaHoSo: '000.00.18.H26-251103-0001', ThaoTac: 'Thẩm định hồ sơ, trình Chủ tịch UBND huyện', ThoiGian: '2025-11-04T09:30:00+07:00',
  NgayBatDau: '2025-11-04T08:00:00+07:00', NgayHetHanBuocXuLy: '2025-11-14T17:00:00+07:00', TrangThai: 2,
  UserName: 'canbo.ldtbxh.badinh', FullName: 'Trần Văn An', PositionName: 'Chuyên viên', OfficeName: 'Phòng Văn hóa - Xã hội',
};
write('progress-step.json', [
  { id: 'c1a2b3c4d5e60001', type: 'tab', label: 'BTXH: tiến trình xử lý / progress steps', info: '' },
  { id: 'c1a2b3c4d5e60002', type: 'comment', z: 'c1a2b3c4d5e60001', name: 'Bước xử lý từ hệ thống một cửa / a step from the one-stop workflow', x: 260, y: 40, wires: [],
    info: 'POST /motcua/buoc-xu-ly với một sự kiện của quy trình một cửa (hoặc bấm nút inject).\nBảng "Trường dữ liệu" của nút btxh-progress ánh xạ UserName → TaiKhoanXuLy, FullName → NguoiXuLy, …\n\nPOST /motcua/buoc-xu-ly with a one-stop workflow event (or press the inject). The node\'s field table maps UserName → TaiKhoanXuLy, FullName → NguoiXuLy, and so on.' },
  { id: 'c1a2b3c4d5e60003', type: 'http in', z: 'c1a2b3c4d5e60001', name: '', url: '/motcua/buoc-xu-ly', method: 'post', upload: false, swaggerDoc: '', x: 180, y: 100, wires: [['c1a2b3c4d5e60005', 'c1a2b3c4d5e60004']] },
  { id: 'c1a2b3c4d5e60004', type: 'http response', z: 'c1a2b3c4d5e60001', name: '202', statusCode: '202', headers: {}, x: 390, y: 60, wires: [] },
  { id: 'c1a2b3c4d5e60006', type: 'inject', z: 'c1a2b3c4d5e60001', name: 'bước mẫu / sample step', props: [{ p: 'payload' }], repeat: '', crontab: '', once: false, onceDelay: 0.1, topic: '',
    payload: JSON.stringify(step), payloadType: 'json', x: 170, y: 160, wires: [['c1a2b3c4d5e60005']] },
  { id: 'c1a2b3c4d5e60005', type: 'btxh-progress', z: 'c1a2b3c4d5e60001', name: '', auth: 'c1a2b3c4d5e60009', ...delivery,
    mapping: {
      TaiKhoanXuLy: { type: 'msg', value: 'payload.UserName' },
      NguoiXuLy: { type: 'msg', value: 'payload.FullName' },
      ChucDanh: { type: 'msg', value: 'payload.PositionName' },
      DonViXuLy: { type: 'msg', value: 'payload.OfficeName' },
      ThoiDiemXuLy: { type: 'msg', value: 'payload.ThoiGian' },
      NoiDungXuLy: { type: 'msg', value: 'payload.ThaoTac' },
      StatusId: { type: 'msg', value: 'payload.TrangThai' },
      NgayKetThucTheoQuyDinh: { type: 'msg', value: 'payload.NgayHetHanBuocXuLy' },
    },
    x: 430, y: 140, wires: [['c1a2b3c4d5e60007'], ['c1a2b3c4d5e60008']] },
  debug('c1a2b3c4d5e60007', 'c1a2b3c4d5e60001', 'đã gửi / sent', 650, 120),
  debug('c1a2b3c4d5e60008', 'c1a2b3c4d5e60001', 'không gửi được / not sent', 680, 160),
  auth('c1a2b3c4d5e60009'),
]);

// The final decision with its file link: mandatory for every province.
write('final-decision.json', [
  { id: 'd1a2b3c4d5e60001', type: 'tab', label: 'BTXH: quyết định / final decision', info: '' },
  { id: 'd1a2b3c4d5e60002', type: 'comment', z: 'd1a2b3c4d5e60001', name: 'Quyết định phê duyệt và đường dẫn tệp / decision and its file link', x: 260, y: 40, wires: [],
    info: 'Url phải là đường dẫn tuyệt đối http(s) tới tệp PDF hoặc ảnh (BTXH đọc tệp bằng OCR). Bật "Kiểm tra đường dẫn tệp" để kiểm tra trước khi gửi.\n\nUrl must be an absolute http(s) link to a PDF or image (BTXH runs OCR on it). Turn on "Check the file link first" to check it before sending.' },
  { id: 'd1a2b3c4d5e60003', type: 'inject', z: 'd1a2b3c4d5e60001', name: 'quyết định mẫu / sample decision', props: [{ p: 'payload' }], repeat: '', crontab: '', once: false, onceDelay: 0.1, topic: '',
    payload: JSON.stringify({ MaHoSo: '000.00.18.H26-251103-0001', HoVaTen: 'Nguyễn Thị Hoa', CMND: '001148003215', Url: 'https://motcua.example.vn/files/QD-1234-UBND.pdf' }),
    payloadType: 'json', x: 190, y: 100, wires: [['d1a2b3c4d5e60004']] },
  { id: 'd1a2b3c4d5e60004', type: 'btxh-decision', z: 'd1a2b3c4d5e60001', name: '', auth: 'd1a2b3c4d5e60009', ...delivery, checkUrl: false, mapping: {},
    x: 430, y: 100, wires: [['d1a2b3c4d5e60005'], ['d1a2b3c4d5e60006']] },
  debug('d1a2b3c4d5e60005', 'd1a2b3c4d5e60001', 'đã gửi / sent', 650, 80),
  debug('d1a2b3c4d5e60006', 'd1a2b3c4d5e60001', 'không gửi được / not sent', 680, 120),
  auth('d1a2b3c4d5e60009'),
]);

// Clean a record before sync: the province's database holds names, not GSO codes.
write('lookup-clean.json', [
  { id: 'e1a2b3c4d5e60001', type: 'tab', label: 'BTXH: tra cứu danh mục / catalogue lookup', info: '' },
  { id: 'e1a2b3c4d5e60002', type: 'comment', z: 'e1a2b3c4d5e60001', name: 'Tên → mã GSO trước khi gửi / names → GSO codes before sync', x: 230, y: 40, wires: [],
    info: 'Cơ sở dữ liệu của tỉnh lưu tên xã ("Phường Trúc Bạch"); btxh-lookup tìm mã xã trong tỉnh, rồi nút change điền MaXa.\nKhông tìm thấy hoặc có nhiều kết quả: bản ghi đi ra nhánh "cần xem lại".\n\nThe province\'s database holds commune names; btxh-lookup finds the code within the province and a change node fills MaXa. None or several matches: the record goes to "needs review".' },
  { id: 'e1a2b3c4d5e60003', type: 'inject', z: 'e1a2b3c4d5e60001', name: 'hồ sơ có tên xã / record with a commune name', props: [{ p: 'payload' }], repeat: '', crontab: '', once: false, onceDelay: 0.1, topic: '',
    payload: JSON.stringify({ ...JSON.parse(samples)[0], MaXa: undefined, TenXa: 'Trúc Bạch' }), payloadType: 'json', x: 210, y: 100, wires: [['e1a2b3c4d5e60004']] },
  { id: 'e1a2b3c4d5e60004', type: 'btxh-lookup', z: 'e1a2b3c4d5e60001', name: 'tìm mã xã / find commune', action: 'search', catalog: 'commune', codeSet: 'pre-2025', ethnicityCode: 'id',
    value: 'payload.TenXa', valueType: 'msg', province: 'payload.MaTinh', provinceType: 'msg', district: 'payload.MaHuyen', districtType: 'msg', property: 'btxh.lookup', x: 450, y: 100, wires: [['e1a2b3c4d5e60005']] },
  { id: 'e1a2b3c4d5e60005', type: 'switch', z: 'e1a2b3c4d5e60001', name: 'tìm thấy? / found?', property: 'btxh.lookup.match', propertyType: 'msg',
    rules: [{ t: 'nnull' }, { t: 'else' }], checkall: 'true', repair: false, outputs: 2, x: 640, y: 100, wires: [['e1a2b3c4d5e60006'], ['e1a2b3c4d5e60008']] },
  { id: 'e1a2b3c4d5e60006', type: 'change', z: 'e1a2b3c4d5e60001', name: 'MaXa ← mã / code', rules: [{ t: 'set', p: 'payload.MaXa', pt: 'msg', to: 'btxh.lookup.match.code', tot: 'msg' }, { t: 'delete', p: 'payload.TenXa', pt: 'msg' }],
    action: '', property: '', from: '', to: '', reg: false, x: 830, y: 80, wires: [['e1a2b3c4d5e60007']] },
  { id: 'e1a2b3c4d5e60007', type: 'btxh-dossier', z: 'e1a2b3c4d5e60001', name: '', auth: 'e1a2b3c4d5e60009', ...delivery, mapping: {}, x: 1030, y: 80, wires: [['e1a2b3c4d5e6000a'], ['e1a2b3c4d5e6000b']] },
  debug('e1a2b3c4d5e60008', 'e1a2b3c4d5e60001', 'cần xem lại / needs review', 850, 140),
  debug('e1a2b3c4d5e6000a', 'e1a2b3c4d5e60001', 'đã gửi / sent', 1240, 60),
  debug('e1a2b3c4d5e6000b', 'e1a2b3c4d5e60001', 'không gửi được / not sent', 1270, 100),
  auth('e1a2b3c4d5e60009'),
]);
