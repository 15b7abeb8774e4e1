'use strict';
// Writes examples/dossier-sync.json from the bundled synthetic samples, so the
// example and the demo always carry the same records. Run after editing
// data/samples/dossiers.json.
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const samples = fs.readFileSync(path.join(root, 'data/samples/dossiers.json'), 'utf8');

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
    batchSize: 50, concurrency: 2, attempts: 5, backoffBase: 1000, backoffMax: 60000, unreachableAfter: 5,
    resend: false, dateFormats: '', mapping: {}, x: 420, y: 140, wires: [['b7d1c0a1e0f00005'], ['b7d1c0a1e0f00006']],
  },
  { id: 'b7d1c0a1e0f00005', type: 'debug', z: 'b7d1c0a1e0f00001', name: 'đã gửi / sent', active: true, tosidebar: true, console: false, tostatus: true, complete: 'btxh', targetType: 'msg', statusVal: 'payload.length', statusType: 'msg', x: 660, y: 120, wires: [] },
  { id: 'b7d1c0a1e0f00006', type: 'debug', z: 'b7d1c0a1e0f00001', name: 'không gửi được / not sent', active: true, tosidebar: true, console: false, tostatus: false, complete: 'btxh', targetType: 'msg', statusVal: '', statusType: 'auto', x: 690, y: 160, wires: [] },
  { id: 'b7d1c0a1e0f00007', type: 'inject', z: 'b7d1c0a1e0f00001', name: 'trạng thái / status', props: [{ p: 'topic', vt: 'str' }], repeat: '', crontab: '', once: false, onceDelay: 0.1, topic: 'status', x: 160, y: 160, wires: [['b7d1c0a1e0f00004']] },
  { id: 'b7d1c0a1e0f00008', type: 'inject', z: 'b7d1c0a1e0f00001', name: 'gửi lại lỗi / replay', props: [{ p: 'topic', vt: 'str' }], repeat: '', crontab: '', once: false, onceDelay: 0.1, topic: 'replay', x: 160, y: 200, wires: [['b7d1c0a1e0f00004']] },
  {
    id: 'b7d1c0a1e0f00009', type: 'btxh-auth', name: 'BTXH sandbox', baseUrl: 'http://127.0.0.1:8088', mode: 'token',
    pathToken: '/api/v1/Service/GetToken', pathDossier: '/api/v1/Service/DongBoDVC', pathProgress: '/api/v1/Service/XuLyHoSo',
    pathDecision: '/api/v1/Service/FileQuyetDinh', bodyShape: 'array', timeout: 30, tokenLifetime: 30, tls: '', proxy: '',
    gatewayTokenUrl: '', gatewayHeaders: '', ethnicityCode: 'id', codeSet: 'pre-2025', district2025: 'old', strict: false,
    statusMap: '', queue: 'sqlite', queueFile: '', synchronous: 'FULL',
  },
];
fs.writeFileSync(path.join(root, 'examples/dossier-sync.json'), JSON.stringify(flow, null, 2) + '\n');
