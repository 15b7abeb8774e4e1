'use strict';
// "Kết nối thử nghiệm" (issue 14, point 5): synthetic records through every operation of a
// deployed connection against the sandbox as shipped, and the dated report of its answers.
const assert = require('assert');
const { helper, start, withRuntime } = require('./support/flow');
const { runTrial, trialHtml, TRIAL_PREFIX } = require('../lib/trial');

describe('trial connection (kết nối thử nghiệm)', function () {
  const t = withRuntime();
  const post = (body, code) => helper.request().post('/btxh-auth/trial').send(body).expect(code).then((r) => r.body);

  it('runs only against the deployed address once the user confirms it; nothing is sent before', async function () {
    await start({ sandbox: t.sandbox });
    assert.match((await post({ id: 'auth' }, 400)).error, /confirm|xác nhận/);
    assert.match((await post({ id: 'auth', confirm: 'https://dvcbtxh.example.vn' }, 400)).error, /confirm|xác nhận/);
    await post({ id: 'nothing', confirm: t.sandbox.url }, 404);
    for (const op of ['dossier', 'progress', 'decision']) assert.deepStrictEqual(t.sandbox.records(op), [], `${op}: nothing sent without confirmation`);
  });

  it('sends valid synthetic records and ones the server must refuse through all four operations, and reports each answer, dated, in both languages', async function () {
    await start({ sandbox: t.sandbox });
    const { result, html } = await post({ id: 'auth', confirm: t.sandbox.url }, 200);
    assert.strictEqual(result.endpoint, t.sandbox.url);
    assert.strictEqual(result.token.ok, true, 'GetToken');
    assert.deepStrictEqual(result.steps.map((s) => [s.api, s.expect, s.outcome]), [
      ['DongBoDVC', 'accepted', 'accepted'],
      ['XuLyHoSo', 'accepted', 'accepted'],
      ['FileQuyetDinh', 'accepted', 'accepted'],
      ['DongBoDVC', 'refused', 'refused'],
      ['DongBoDVC', 'refused', 'refused'],
      ['XuLyHoSo', 'refused', 'refused'],
      ['FileQuyetDinh', 'refused', 'refused'],
    ]);
    assert.strictEqual(result.passed, true);
    for (const s of result.steps) {
      assert.strictEqual(s.status, 200, `${s.api} ${s.why}: the HTTP status`);
      assert.ok(s.code !== undefined && s.message, `${s.api} ${s.why}: BTXH's error_code and message`);
      assert.ok(s.ms >= 0);
      assert.ok(s.dossiers.length && s.dossiers.every((d) => d.startsWith(TRIAL_PREFIX)), 'marked synthetic');
    }
    // What BTXH now holds of it: only the valid ones, every one marked.
    const stored = ['dossier', 'progress', 'decision'].flatMap((op) => t.sandbox.records(op).map((r) => r.record));
    assert.strictEqual(stored.length, 6);
    assert.ok(stored.every((r) => r.MaHoSo.startsWith(TRIAL_PREFIX)));
    assert.ok(stored.filter((r) => r.HoVaTen).every((r) => r.HoVaTen.includes('Thử Nghiệm')), 'names say so too');

    const day = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Ho_Chi_Minh', day: '2-digit', month: '2-digit', year: 'numeric' }).formatToParts(new Date(result.at));
    const [d, m, y] = ['day', 'month', 'year'].map((k) => day.find((p) => p.type === k).value);
    assert.match(html.vi, /BÁO CÁO KẾT QUẢ KẾT NỐI THỬ NGHIỆM/);
    assert.ok(html.vi.includes(`Ngày ${d} tháng ${m} năm ${y}`), 'dated, in Vietnam\'s time');
    assert.ok(html.vi.includes(TRIAL_PREFIX) && html.vi.includes('dữ liệu tổng hợp'), 'says the records are synthetic');
    assert.ok(html.vi.includes('Kết luận: kết nối thử nghiệm đạt'));
    assert.match(html.en, /REPORT ON THE TRIAL CONNECTION/);
    assert.ok(html.en.includes(`${y}-${m}-${d}`));
    assert.strictEqual((html.vi.match(/<tr class="ok">/g) || []).length, 8, 'GetToken and the seven requests, each as expected');
    for (const h of [html.vi, html.en]) assert.ok(!/\d{12}/.test(h.replace(/\d{4}-\d{2}-\d{2}T[^<"]*/g, '')), 'no full personal id in the report');
  });

  it('a server that takes everything, or refuses the token, is reported as not passed', async function () {
    const takesAll = {
      test: async () => ({ ok: true, message: 'GetToken OK' }),
      send: async () => ({ ok: true, status: 200, body: { error_code: '0', message: 'Thành công' } }),
    };
    const r = await runTrial(takesAll, { endpoint: 'http://127.0.0.1:1', now: () => Date.UTC(2026, 11, 7, 3) });
    assert.strictEqual(r.passed, false);
    assert.deepStrictEqual(r.steps.filter((s) => !s.asExpected).map((s) => s.why), ['noName', 'unknownCommune', 'noTime', 'noUrl']);
    assert.match(trialHtml(r, 'vi'), /chưa đạt/);
    const noToken = { test: async () => ({ ok: false, message: 'Sai tài khoản <script>', code: 'authFailed', status: 200 }), send: async () => assert.fail('nothing is sent') };
    const n = await runTrial(noToken, { endpoint: 'http://127.0.0.1:1' });
    assert.deepStrictEqual([n.passed, n.steps.length, n.token.ok], [false, 0, false]);
    const page = trialHtml(n, 'en-US');
    assert.match(page, /no security token/);
    assert.ok(page.includes('Sai tài khoản &lt;script&gt;') && !page.includes('<script>'), 'the server\'s words are escaped');
  });
});
