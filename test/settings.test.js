'use strict';
// The JSON settings typed into the dialogs (issue 12, point 4): checked as typed, by the
// same code in the editor (resources/btxh-settings.js) and at start; a mistake is said
// in Vietnamese and English and stops the node, never ignored.
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { checkSetting } = require('../lib/setting-text');
const { render } = require('../lib/messages');
const { start, withRuntime, outcome, records } = require('./support/flow');
const { dossier } = require('./support/records');
const { progress } = require('../lib/fields');

const dates = progress.fields.filter((f) => f.kind === 'date');

describe('JSON settings as typed', () => {
  const cases = [
    ['statusMap', '{10: 4}', 'settingJson'],
    ['statusMap', '[1, 2]', 'settingObject'],
    ['statusMap', '"10"', 'settingObject'],
    ['statusMap', '{"DA_TRA_KQ": "10"}', 'settingStatusId'],
    ['statusMap', '{"DA_TRA_KQ": -1}', 'settingStatusId'],
    ['statusMap', '{"DA_TRA_KQ": 2.5}', 'settingStatusId'],
    ['procedureMap', '{"TC-01": 1001776}', 'settingProcedureCode'],
    ['procedureMap', '{"TC-01": "trợ cấp"}', 'settingProcedureCode'],
    ['headers', '{"SENDER CODE": ""}', 'settingHeaderName'],
    ['headers', '{"X-Tinh": "a\\nb"}', 'settingHeaderValue'],
    ['dateFormats', '{"NgayXuLy": "dd/MM/yyyy HH:mm:ss"}', 'settingDateField'],
    ['dateFormats', '{"ThoiDiemXuLy": "dd/MM/yyyy"}', 'settingDatetimeFormat'],
    ['codes', '-1, "503"', 'settingCode'],
    ['codes', '-1; {x}', 'settingCode'],
  ];
  for (const [kind, text, code] of cases) {
    it(`${kind} ${text}: ${code}`, () => {
      const p = checkSetting(kind, kind, text, dates);
      assert.strictEqual(p && p.code, code, JSON.stringify(p));
      for (const lang of ['vi', 'en-US']) {
        const m = render({ ...p, params: { ...p.params, setting: 'S' } }, lang);
        assert.ok(!/__\w+__|undefined|\bat position\b/.test(m), `${lang}: ${m}`);
        assert.ok(m.length > 30 && m !== p.code, `${lang}: ${m}`);
      }
    });
  }
  it('blank means none; well-formed settings pass', () => {
    for (const kind of ['statusMap', 'procedureMap', 'headers', 'dateFormats', 'codes']) for (const t of [undefined, '', '  ', null]) assert.strictEqual(checkSetting(kind, kind, t, dates), undefined);
    assert.strictEqual(checkSetting('statusMap', 's', '{"DA_TRA_KQ": 10, "1": 1}'), undefined);
    assert.strictEqual(checkSetting('procedureMap', 'p', '{"TC-01": "1.001776", "x": "2.000286"}'), undefined);
    assert.strictEqual(checkSetting('headers', 'h', '{"SENDER_CODE": "", "X-Tinh": "HN"}'), undefined);
    assert.strictEqual(checkSetting('codes', 'b', '-1, 503;E_BUSY  99'), undefined);
    assert.strictEqual(checkSetting('dateFormats', 'd', '{"ThoiDiemXuLy": "dd/MM/yyyy HH:mm:ss"}', dates), undefined);
    // As the normaliser reads them (D3): the field, the field of the operation, the whole operation.
    const op = { api: progress.api, id: progress.id };
    assert.strictEqual(checkSetting('dateFormats', 'd', '{"XuLyHoSo": "dd/MM/yyyy HH:mm:ss", "XuLyHoSo.NgayBatDau": "yyyyMMddHHmmss", "progress.DateCreated": "dd/MM/yyyy HH:mm"}', dates, op), undefined);
    assert.strictEqual(checkSetting('dateFormats', 'd', '{"XuLyHoSo": "dd/MM/yyyy"}', dates, op).code, 'settingDatetimeFormat');
    assert.strictEqual(checkSetting('dateFormats', 'd', '{"DongBoDVC.ThoiDiemXuLy": "dd/MM/yyyy HH:mm"}', dates, op).code, 'settingDateField');
  });
  it('says where the JSON breaks in the text as typed, and never echoes a secret header value', () => {
    assert.strictEqual(checkSetting('statusMap', 's', '{10: 4}').params.detail, '{▸10: 4}');
    const p = checkSetting('headers', 'gatewaySecretHeaders', '{"X-Key": "bi-mat\\nqua"}');
    assert.ok(!JSON.stringify(p).includes('bi-mat'), JSON.stringify(p));
  });
  it('the editor validates with the very same code (the generated bundle of lib/setting-text.js)', () => {
    const bundle = fs.readFileSync(path.join(__dirname, '..', 'resources', 'btxh-settings.js'), 'utf8');
    assert.ok(bundle.includes(fs.readFileSync(path.join(__dirname, '..', 'lib', 'setting-text.js'), 'utf8')));
    for (const f of ['btxh-auth.html', 'btxh-dossier.html', 'btxh-progress.html', 'btxh-decision.html']) {
      assert.match(fs.readFileSync(path.join(__dirname, '..', 'nodes', f), 'utf8'), /resources\/@motcua\/node-red-btxh\/btxh-settings\.js/, f);
    }
  });
});

describe('a mistyped JSON setting stops the node at start, with the reason', function () {
  const t = withRuntime();
  const refuses = async (f, code) => {
    const seen = [];
    f.sync.on('call:status', (c) => seen.push(c.args[0]));
    const wait = outcome(f, (s) => s.caught.length === 1);
    f.sync.receive({ payload: dossier(1) });
    const s = await wait;
    assert.strictEqual(s.done.length, 0, 'not acknowledged');
    assert.deepStrictEqual([s.sent.length, s.notSent.length], [0, 0]);
    assert.match(s.caught[0].error.message, new RegExp(code));
    assert.strictEqual(t.sandbox.records('dossier').length, 0, 'nothing sent unmapped');
  };

  it("the connection's StatusId mapping {10: 4} (not JSON)", async () => {
    const f = await start({ sandbox: t.sandbox, auth: { statusMap: '{10: 4}' } });
    await refuses(f, 'settingJson');
  });

  it("a sync node's date format for a field it does not have", async () => {
    const f = await start({ sandbox: t.sandbox, node: { dateFormats: '{"NgaySinh": "dd/MM/yyyy"}' } });
    await refuses(f, 'settingDateField');
  });

  it('fixed, the same input goes through', async () => {
    const f = await start({ sandbox: t.sandbox, auth: { statusMap: '{"1": 1}' }, node: { dateFormats: '{"NgayThangNamSinh": "dd/MM/yyyy"}' } });
    const ok = outcome(f, (s) => records(s) === 1);
    f.sync.receive({ payload: dossier(1) });
    await ok;
    assert.strictEqual(t.sandbox.records('dossier').length, 1);
  });
});
