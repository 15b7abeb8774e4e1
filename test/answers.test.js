'use strict';
// D19 (issue 15, point 1): BTXH's answers read per connection — success codes as a list, an
// envelope {result: {…}}, "already exists" answers as delivered (off by default), a token
// failure inside HTTP 200 refreshing once, fields a message names as field-level errors —
// against the sandbox in both profiles, with the shipped defaults unless a test says which
// setting it turns on.
const assert = require('assert');
const { classifyResponse, existsPattern, isTokenRejection } = require('../lib/client/classify');
const { refusal } = require('../lib/engine/problems');
const { operation } = require('../lib/fields');
const { start, withRuntime, outcome, records } = require('./support/flow');
const { dossier, progress, decision } = require('./support/records');

const answer = (body, status = 200) => ({ status, headers: {}, text: JSON.stringify(body) });

describe('D19: reading BTXH\'s answers', function () {
  it('success is 0 or "0" by default, or the connection\'s own list; an envelope is read', function () {
    assert.strictEqual(classifyResponse(answer({ error_code: '0', message: 'Thành công' })).ok, true);
    assert.strictEqual(classifyResponse(answer({ error_code: 0 })).ok, true);
    assert.strictEqual(classifyResponse(answer({ error_code: '00' })).ok, false, '"00" is not the annex\'s success');
    assert.strictEqual(classifyResponse(answer({ error_code: '00' }), 0, { successCodes: ['0', '00'] }).ok, true);
    assert.strictEqual(classifyResponse(answer({ error_code: 0 }), 0, { successCodes: ['00'] }).ok, false, 'the list replaces the default');
    const wrapped = classifyResponse(answer({ result: { error_code: 0, message: 'Thành công', data: [] } }));
    assert.deepStrictEqual([wrapped.ok, wrapped.message], [true, 'Thành công']);
    const refused = classifyResponse(answer({ result: { error_code: 1, message: 'HoVaTen không được để trống' } }));
    assert.deepStrictEqual([refused.ok, refused.kind, refused.code, refused.message], [false, 'rejected', 'apiError', 'HoVaTen không được để trống']);
    assert.strictEqual(classifyResponse(answer({ result: 'ok' })).kind, 'transient', 'no error_code anywhere: no verdict');
  });

  it('"already exists" counts as delivered only when the connection says so, by code or by message, with or without diacritics', function () {
    const exists = answer({ error_code: '3', message: 'Hồ sơ 000.00.18.H26-251103-0001 đã tồn tại trên hệ thống' });
    assert.strictEqual(classifyResponse(exists).ok, false, 'off by default');
    const byCode = classifyResponse(exists, 0, { existsCodes: ['3', '-3'] });
    assert.deepStrictEqual([byCode.ok, byCode.already], [true, true]);
    for (const p of ['đã tồn tại', 'da ton tai', 'ĐÃ TỒN TẠI', 'ton tai|already exists']) {
      assert.strictEqual(classifyResponse(exists, 0, { existsPattern: existsPattern(p) }).already, true, p);
    }
    assert.strictEqual(classifyResponse(answer({ error_code: '1', message: 'MaXa không hợp lệ' }), 0, { existsPattern: existsPattern('đã tồn tại') }).ok, false);
    assert.strictEqual(classifyResponse(answer({ error_code: 0 }), 0, { existsCodes: ['3'] }).already, undefined, 'a plain success is not "already"');
    assert.throws(() => existsPattern('đã tồn tại ('), SyntaxError);
    assert.strictEqual(existsPattern('  '), undefined);
  });

  it('a token failure inside HTTP 200, wrapped or not, is a token rejection (one refresh, D11); "already exists" never hides it', function () {
    for (const body of [{ error_code: '-1', message: 'Token hết hạn' }, { result: { error_code: -1, message: 'AccessKey không hợp lệ' } }]) {
      const r = classifyResponse(answer(body), 0, { busyCodes: ['-1'], existsPattern: existsPattern('.*') });
      assert.strictEqual(r.ok, false, JSON.stringify(body));
      assert.strictEqual(isTokenRejection(r), true, JSON.stringify(body));
    }
  });

  it('fields a refusal names become field-level errors; the record\'s own key is not a complaint', function () {
    const op = operation('dossier');
    const r = { ok: false, kind: 'rejected', status: 200, code: 'apiError', message: 'Hồ sơ MaHoSo 000.00.18.H26-251103-0001: HoVaTen có độ dài vượt quá 250 ký tự; ma_xa sai; HKTT_MaXa không hợp lệ; SubmitedDate sai định dạng' };
    const problems = refusal(r, op, { MaHoSo: '000.00.18.H26-251103-0001' });
    assert.strictEqual(problems[0].code, 'rejectedByServer');
    assert.deepStrictEqual(problems.slice(1).map((p) => [p.field, p.code]), [['HoVaTen', 'serverNamedField'], ['HKTT_MaXa', 'serverNamedField'], ['SubmittedDate', 'serverNamedField']],
      'whole names only (HKTT_MaXa is not MaXa, ma_xa is none), an alias for its field (SubmitedDate), never the record\'s MaHoSo');
    assert.ok(problems[1].params.message.includes('vượt quá 250'));
    assert.deepStrictEqual(refusal({ ...r, message: 'Dữ liệu không hợp lệ' }, op).map((p) => p.code), ['rejectedByServer']);
  });
});

describe('D19 against the sandbox, annex and deployed profiles', function () {
  for (const profile of ['annex', 'deployed']) {
    describe(`--profile ${profile}`, function () {
      const t = withRuntime({ profile });

      // D20: a connection to a deployed BTXH speaks its profile (SubmitedDate, the superset).
      it('delivers, refreshes an expired token once, and names the field of a refused record', async function () {
        const f = await start({ sandbox: t.sandbox, auth: { profile } });
        let settled = outcome(f, (s) => records(s) === 2);
        f.sync.receive({ payload: [dossier(1), dossier(2)] });
        await settled;
        t.sandbox.expireTokens();
        const before = t.sandbox.tokens().length;
        settled = outcome(f, (s) => records(s) === 1 && s.notSent.length === 1);
        // Valid for the package, refused by BTXH (the fault): the message names MaHoSo.
        t.sandbox.faults({ rejectMaHoSo: [dossier(4).MaHoSo] });
        f.sync.receive({ payload: [dossier(3), dossier(4)] });
        const s = await settled;
        assert.strictEqual(t.sandbox.tokens().length, before + 1, 'one GetToken for the expired token');
        const errors = s.notSent[0].btxh.errors;
        assert.strictEqual(errors[0].code, 'rejectedByServer');
        assert.ok(errors.some((e) => e.field === 'MaHoSo' && e.code === 'serverNamedField'), JSON.stringify(errors));
      });

      for (const [type, op, record] of [['btxh-decision', 'decision', decision(1)], ['btxh-progress', 'progress', progress(1)]]) {
        it(`${type} delivered whatever the shape of the answer`, async function () {
          const f = await start({ type, sandbox: t.sandbox, auth: { profile } });
          const settled = outcome(f, (s) => records(s) === 1 || s.notSent.length > 0);
          f.sync.receive({ payload: record });
          const s = await settled;
          assert.deepStrictEqual(s.notSent.map((m) => m.btxh.errors), []);
          assert.strictEqual(t.sandbox.records(op).length, 1);
        });
      }
    });
  }

  describe('--profile deployed: a dossier sent again', function () {
    const t = withRuntime({ profile: 'deployed' });
    const again = async (auth) => {
      const f = await start({ sandbox: t.sandbox, auth: { profile: 'deployed', ...auth }, node: { resend: true } });
      let settled = outcome(f, (s) => records(s) === 1);
      f.sync.receive({ payload: dossier(1) });
      await settled;
      // A new watch: it sees only what this second input brings.
      settled = outcome(f, (s) => records(s) === 1 || s.notSent.length === 1);
      f.sync.receive({ payload: dossier(1, { HoVaTen: 'Nguyễn Thị Hoà' }) });
      return settled;
    };

    it('is a refusal with the shipped settings: BTXH said no, and nothing is hidden', async function () {
      const s = await again({});
      assert.deepStrictEqual([records(s), s.notSent.length], [0, 1]);
      assert.strictEqual(s.notSent[0].btxh.reason, 'rejected');
      assert.strictEqual(s.notSent[0].btxh.errors[0].code, 'rejectedByServer');
      assert.match(JSON.stringify(s.notSent[0].btxh.errors[0].params), /đã tồn tại/, "BTXH's words kept");
    });

    it('is delivered when the connection lists its code', async function () {
      const s = await again({ existsCodes: '3' });
      assert.deepStrictEqual([records(s), s.notSent.length], [1, 0]);
      assert.strictEqual(s.sent[0].btxh.already, true, 'output 1 says BTXH had it already');
    });

    it('is delivered when the connection gives its message', async function () {
      const s = await again({ existsPattern: 'da ton tai' });
      assert.deepStrictEqual([records(s), s.notSent.length], [1, 0]);
      assert.strictEqual(t.sandbox.records('dossier').length, 1, 'BTXH kept the one it had');
    });
  });

  describe('a setting that cannot be read', function () {
    const t = withRuntime();
    it('a pattern that is not a regular expression stops the connection with the setting named; nothing is sent', async function () {
      const f = await start({ sandbox: t.sandbox, auth: { existsPattern: 'đã tồn tại (' } });
      const s = outcome(f, (st) => st.caught.length === 1);
      f.sync.receive({ payload: dossier(1) });
      const { caught } = await s;
      assert.match(caught[0].error.message, /existsPattern|settingPattern/);
      assert.strictEqual(t.sandbox.records('dossier').length, 0);
    });
  });
});
