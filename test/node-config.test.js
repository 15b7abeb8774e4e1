'use strict';
// Saved sync-node configurations are brought up to date on load (src/nodes/migrate.ts),
// and personal ids are masked where nodes show them (src/lib/mask.ts).
const assert = require('assert');
const { migrateSync, SYNC_VERSION } = require('../nodes/migrate');

describe('sync node configuration versions', function () {
  it('version 1 (no version): the pinned try count and backoff are dropped, never turned into a shorter budget', function () {
    const saved = { id: 'n1', auth: 'a', attempts: 5, backoffBase: 1000, backoffMax: 60000, batchSize: 50, resend: false };
    const now = migrateSync(saved);
    assert.deepStrictEqual(now, { id: 'n1', auth: 'a', batchSize: 50, resend: false, version: SYNC_VERSION });
    assert.strictEqual(now.giveUpAfter, undefined, 'the shipped 7-day budget applies');
    assert.strictEqual(saved.attempts, 5, 'the saved object is left alone');
  });

  it('a current configuration keeps its own settings', function () {
    const c = { id: 'n1', auth: 'a', version: 2, giveUpAfter: 3, unreachableAfter: 10 };
    assert.deepStrictEqual(migrateSync(c), c);
  });
});

describe('masking personal ids', function () {
  const { maskId, maskText } = require('../lib/mask');
  it('shows at most the first 4 and last 2 characters, and never more than half, whatever the length', function () {
    assert.strictEqual(maskId('001234567845'), '0012******45');
    assert.strictEqual(maskId('012345678'), '01*****78');
    assert.strictEqual(maskId('1234567'), '12****7');
    assert.strictEqual(maskId('123'), '1**');
    for (let n = 1; n <= 20; n++) {
      const m = maskId('7'.repeat(n));
      const shown = m.replace(/\*/g, '').length;
      assert.ok(shown <= Math.min(6, Math.floor(n / 2)), `${n}: ${m}`);
      assert.strictEqual(m.length, n);
    }
    assert.strictEqual(maskText('CMND 012345678 sai'), 'CMND 01*****78 sai');
  });
});

describe("the connection's settings", function () {
  const { settingsOf, exposedHeaders } = require('../nodes/config');
  it('Excel dates are off unless the box is ticked, and ticking it reaches the normaliser', function () {
    const { prepare } = require('../lib/normalise');
    const { progress } = require('../lib/fields');
    assert.strictEqual(settingsOf({}).excelDates, false);
    assert.strictEqual(settingsOf({ excelDates: true }).excelDates, true);
    const step = { MaHoSo: '000.00.18.H26-251103-0001', TaiKhoanXuLy: 'mai.tt', NguoiXuLy: 'Trần Thị Mai', ChucDanh: 'Chuyên viên', ThoiDiemXuLy: 45820.5, PhongBanXuLy: 'Phòng LĐTBXH', NoiDungXuLy: 'Tiếp nhận', StatusId: 1, NgayBatDau: 45820.25, NgayKetThucTheoQuyDinh: 45827.5 };
    const off = prepare(progress, step, settingsOf({}));
    assert.ok(off.errors.some((p) => p.field === 'ThoiDiemXuLy' && p.code === 'dateNumber'));
    const on = prepare(progress, step, settingsOf({ excelDates: true }));
    assert.deepStrictEqual(on.errors, []);
    assert.strictEqual(on.record.ThoiDiemXuLy, '20250612120000');
  });
  it('plain gateway headers whose names say secret are named (for the warning); others are not', function () {
    assert.deepStrictEqual(exposedHeaders({ mode: 'gateway', gatewayHeaders: '{"SENDER_CODE":"x","X-Api-Key":"k","Authorization":"Basic a"}' }), ['X-Api-Key', 'Authorization']);
    assert.deepStrictEqual(exposedHeaders({ mode: 'token', gatewayHeaders: '{"X-Api-Key":"k"}' }), []);
  });
});

describe('the editor and the runtime agree on which gateway headers are secret', function () {
  it('the dialog moves the headers the connection warns about, by the same pattern', function () {
    const { SECRET_HEADER } = require('../nodes/config');
    const html = require('fs').readFileSync(require('path').join(__dirname, '..', 'nodes', 'btxh-auth.html'), 'utf8');
    const inEditor = /if \((\/[^/]+\/i)\.test\(h\)\)/.exec(html);
    assert.ok(inEditor, 'moveSecretHeaders tests a pattern');
    assert.strictEqual(inEditor[1], String(SECRET_HEADER));
  });
});
