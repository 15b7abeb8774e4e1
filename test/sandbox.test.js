'use strict';
// The BTXH sandbox, exercised over real HTTP on loopback (built output: run `npx tsc -p .` first).
const assert = require('assert');
const { spawn } = require('child_process');
const path = require('path');
const { createSandbox } = require('../sandbox/server');

const SERVICE = '/api/v1/Service/';
// Synthetic people only.
const CMND = '001050012345';

function dossier(MaHoSo = '000.00.01.H01-221201-0001', over = {}) {
  return {
    MaHoSo,
    MaTTHC: '1.001776',
    TenTTHC: 'Thực hiện, điều chỉnh, thôi hưởng trợ cấp xã hội hàng tháng, hỗ trợ kinh phí chăm sóc, nuôi dưỡng hàng tháng',
    HoVaTen: 'Nguyễn Thị Thử',
    NgayThangNamSinh: '04/03/1950',
    GioiTinhId: '1035',
    DanTocId: '29',
    CMND,
    MaTinh: '01',
    MaHuyen: '001',
    MaXa: '00001',
    StatusId: 1,
    SubmittedDate: '01/12/2022 08:30:00',
    ...over,
  };
}

function progress(MaHoSo = 'H01-0001', over = {}) {
  return {
    MaHoSo,
    TaiKhoanXuLy: 'canbo.xa',
    NguoiXuLy: 'Trần Văn Cán',
    ChucDanh: 'Công chức LĐTBXH',
    ThoiDiemXuLy: '20221201083000',
    NoiDungXuLy: 'Tiếp nhận hồ sơ',
    StatusId: 2,
    NgayBatDau: '20221201083000',
    NgayKetThucTheoQuyDinh: '20221215170000',
    ...over,
  };
}

function decision(MaHoSo = 'H01-0001', over = {}) {
  return { MaHoSo, HoVaTen: 'Nguyễn Thị Thử', CMND, Url: 'https://motcua.example.vn/files/qd-0001.pdf', ...over };
}

async function post(url, body, headers = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

async function token(sb, creds = { username: 'demo', password: 'demo' }) {
  const r = await post(sb.url + SERVICE + 'GetToken', creds);
  assert.strictEqual(r.json.error_code, 0, r.text);
  return r.json.token;
}

describe('BTXH sandbox', function () {
  let sb;
  let lines;
  beforeEach(async function () {
    lines = [];
    sb = await createSandbox({ log: (l) => lines.push(l) });
  });
  afterEach(async function () {
    await sb.close();
  });

  describe('GetToken (D16 mode a)', function () {
    it('issues a token for good credentials and counts it', async function () {
      const r = await post(sb.url + SERVICE + 'GetToken', { username: 'demo', password: 'demo' });
      assert.strictEqual(r.status, 200);
      assert.strictEqual(r.json.error_code, 0);
      assert.ok(typeof r.json.token === 'string' && r.json.token.length >= 16);
      assert.strictEqual(sb.stats.tokens, 1);
    });

    it('answers wrong credentials with HTTP 200 and a non-zero error_code', async function () {
      const r = await post(sb.url + SERVICE + 'GetToken', { username: 'demo', password: 'wrong' });
      assert.strictEqual(r.status, 200);
      assert.notStrictEqual(r.json.error_code, 0);
      assert.strictEqual(r.json.message, 'Sai tài khoản hoặc mật khẩu');
      assert.strictEqual(r.json.token, undefined);
    });

    it('rejects a missing, unknown or expired token with 401', async function () {
      const none = await post(sb.url + SERVICE + 'FileQuyetDinh', [decision()]);
      assert.strictEqual(none.status, 401);
      assert.strictEqual(none.json.error_code, 401);
      const unknown = await post(sb.url + SERVICE + 'FileQuyetDinh', [decision()], { AccessKey: 'not-a-token' });
      assert.strictEqual(unknown.status, 401);

      const t = await token(sb);
      assert.strictEqual((await post(sb.url + SERVICE + 'FileQuyetDinh', [decision('A1')], { AccessKey: t })).json.error_code, 0);
      sb.expireTokens();
      const expired = await post(sb.url + SERVICE + 'FileQuyetDinh', [decision('A2')], { AccessKey: t });
      assert.strictEqual(expired.status, 401);
      assert.strictEqual(expired.json.message, 'Token không hợp lệ hoặc đã hết hạn');
      assert.deepStrictEqual(sb.records('decision').map((r) => r.record.MaHoSo), ['A1']);
    });

    it('expires tokens after their lifetime', async function () {
      const short = await createSandbox({ tokenLifetimeMs: 1 });
      try {
        const t = await token(short);
        await new Promise((r) => setTimeout(r, 20));
        assert.strictEqual((await post(short.url + SERVICE + 'FileQuyetDinh', [decision()], { AccessKey: t })).status, 401);
      } finally {
        await short.close();
      }
    });

    it('expires tokens through POST /_sandbox/expire-tokens', async function () {
      const t = await token(sb);
      assert.strictEqual((await post(sb.url + '/_sandbox/expire-tokens', {})).status, 200);
      assert.strictEqual((await post(sb.url + SERVICE + 'XuLyHoSo', [progress()], { AccessKey: t })).status, 401);
    });
  });

  describe('operations', function () {
    it('accepts and stores a JSON array of each operation', async function () {
      const t = await token(sb);
      const a = await post(sb.url + SERVICE + 'DongBoDVC', [dossier('D-1'), dossier('D-2')], { AccessKey: t });
      assert.deepStrictEqual([a.status, a.json.error_code, a.json.received], [200, 0, 2], a.text);
      assert.strictEqual(a.json.message, 'Thành công');
      const b = await post(sb.url + SERVICE + 'XuLyHoSo', [progress('D-1')], { AccessKey: t });
      assert.strictEqual(b.json.error_code, 0, b.text);
      const c = await post(sb.url + SERVICE + 'FileQuyetDinh', [decision('D-1')], { AccessKey: t });
      assert.strictEqual(c.json.error_code, 0, c.text);

      assert.deepStrictEqual(sb.counts(), { dossier: 2, progress: 1, decision: 1 });
      const ds = sb.records('dossier');
      assert.deepStrictEqual(ds.map((r) => r.record.MaHoSo), ['D-1', 'D-2']);
      assert.strictEqual(ds[0].request, ds[1].request, 'one request, one sequence number');
      assert.strictEqual(ds[0].record.CMND, CMND, 'records() is raw');
      assert.ok(!Number.isNaN(Date.parse(ds[0].at)));
      assert.strictEqual(sb.records('DongBoDVC').length, 2, 'API names work too');
      assert.strictEqual(sb.records().length, 4);
      assert.strictEqual(sb.stats.requests.DongBoDVC, 1);
    });

    it('accepts a single object (D1 option)', async function () {
      const t = await token(sb);
      const r = await post(sb.url + SERVICE + 'FileQuyetDinh', decision('S-1'), { AccessKey: t });
      assert.deepStrictEqual([r.json.error_code, r.json.received], [0, 1], r.text);
      assert.strictEqual(sb.records('decision')[0].record.MaHoSo, 'S-1');
    });

    it('keeps every receipt of a duplicate', async function () {
      const t = await token(sb);
      await post(sb.url + SERVICE + 'FileQuyetDinh', [decision('DUP')], { AccessKey: t });
      await post(sb.url + SERVICE + 'FileQuyetDinh', [decision('DUP')], { AccessKey: t });
      const got = sb.records('decision');
      assert.strictEqual(got.length, 2);
      assert.notStrictEqual(got[0].request, got[1].request);
    });

    it('rejects the whole request when one record is bad, naming index, MaHoSo and field', async function () {
      const t = await token(sb);
      const bad = decision('BAD-7');
      delete bad.Url;
      const long = decision('x'.repeat(51));
      const r = await post(sb.url + SERVICE + 'FileQuyetDinh', [decision('GOOD-1'), bad, long], { AccessKey: t });
      assert.strictEqual(r.status, 200);
      assert.strictEqual(r.json.error_code, 1);
      assert.strictEqual(sb.counts().decision, 0, 'nothing stored');
      const e1 = r.json.errors.find((e) => e.index === 1);
      assert.deepStrictEqual([e1.MaHoSo, e1.field], ['BAD-7', 'Url']);
      assert.ok(typeof e1.code === 'string' && e1.code.length > 0);
      assert.ok(typeof e1.message === 'string' && typeof e1.message_en === 'string');
      assert.ok(r.json.errors.some((e) => e.index === 2 && e.field === 'MaHoSo'), r.text);
      assert.ok(!r.json.errors.some((e) => e.index === 0), 'the good record is not blamed');
      assert.match(r.json.message, /\[1\] \(MaHoSo BAD-7\): Url/);
      assert.match(r.json.message, /\[2\]/);
      assert.match(r.json.message, /không bản ghi nào được lưu/);
      assert.ok(typeof r.json.message_en === 'string' && r.json.message_en.includes('BAD-7'));
    });

    it('checks values as sent (lib/schema): impossible dates, seed spellings, strict limits (D3, D2, D8)', async function () {
      const t = await token(sb);
      const r = await post(sb.url + SERVICE + 'DongBoDVC', [dossier('V-1', { NgayThangNamSinh: '31/02/1950' }), { ...dossier('V-2'), HKTTC_MaTinh: '01' }], { AccessKey: t });
      assert.strictEqual(r.json.error_code, 1, r.text);
      assert.ok(r.json.errors.some((e) => e.index === 0 && e.field === 'NgayThangNamSinh'), r.text);
      assert.ok(r.json.errors.some((e) => e.index === 1 && e.field === 'HKTTC_MaTinh'), r.text);
      // D8: NOHT_MaThon holds 20 characters in the seed's example; only strict mode enforces 10.
      const thon = [dossier('V-3', { NOHT_MaThon: 'Thôn Đông Hưng Bắc 12' })];
      const ok = await post(sb.url + SERVICE + 'DongBoDVC', thon, { AccessKey: t });
      assert.strictEqual(ok.json.error_code, 0, 'the default validates 250, like the nodes: ' + ok.text);
      const strictSandbox = await createSandbox({ strict: true });
      try {
        const strict = await post(strictSandbox.url + SERVICE + 'DongBoDVC', thon, { AccessKey: await token(strictSandbox) });
        assert.ok(strict.json.errors.some((e) => e.field === 'NOHT_MaThon' && e.code === 'maxLength' && e.params.max === 10), strict.text);
      } finally {
        await strictSandbox.close();
      }
    });

    it('answers a non-JSON body with 400 and error_code 1', async function () {
      const t = await token(sb);
      const r = await post(sb.url + SERVICE + 'DongBoDVC', '{ [ {"MaHoSo": "x"} ] }', { AccessKey: t });
      assert.deepStrictEqual([r.status, r.json.error_code], [400, 1]);
      const s = await post(sb.url + SERVICE + 'DongBoDVC', '"text"', { AccessKey: t });
      assert.deepStrictEqual([s.status, s.json.error_code], [400, 1]);
      assert.strictEqual(sb.counts().dossier, 0);
    });

    it('answers an unknown path with 404 and a GET on an API path with 405', async function () {
      const r = await post(sb.url + SERVICE + 'Unknown', []);
      assert.strictEqual(r.status, 404);
      const g = await fetch(sb.url + SERVICE + 'GetToken');
      assert.strictEqual(g.status, 405);
    });
  });

  describe('mode b: AcceptKey in the body', function () {
    it('stores a record carrying the right AcceptKey, without the key', async function () {
      const r = await post(sb.url + '/apiBTXH/DongBoDVC', { ...dossier('K-1'), AcceptKey: 'demo-key' });
      assert.deepStrictEqual([r.status, r.json.error_code], [200, 0], r.text);
      const got = sb.records('dossier');
      assert.strictEqual(got.length, 1);
      assert.strictEqual(got[0].record.MaHoSo, 'K-1');
      assert.ok(!('AcceptKey' in got[0].record));
    });

    it('refuses a wrong or missing AcceptKey', async function () {
      const wrong = await post(sb.url + '/apiBTXH/XuLyHoSo', { ...progress(), AcceptKey: 'nope' });
      assert.strictEqual(wrong.status, 401);
      const missing = await post(sb.url + '/apiBTXH/XuLyHoSo', progress());
      assert.strictEqual(missing.status, 401);
      assert.strictEqual(sb.counts().progress, 0);
    });
  });

  describe('mode c: LGSP gateway', function () {
    async function gatewayToken(body, type = 'application/x-www-form-urlencoded') {
      const res = await fetch(sb.url + '/gateway/token', { method: 'POST', headers: { 'content-type': type }, body });
      return { status: res.status, json: await res.json() };
    }

    it('issues a Bearer token for client credentials (form or JSON) and refuses bad ones', async function () {
      const form = await gatewayToken('grant_type=client_credentials&client_id=demo&client_secret=demo');
      assert.strictEqual(form.status, 200);
      assert.strictEqual(form.json.token_type, 'Bearer');
      assert.ok(form.json.access_token && form.json.expires_in > 0);
      const json = await gatewayToken(JSON.stringify({ grant_type: 'client_credentials', client_id: 'demo', client_secret: 'demo' }), 'application/json');
      assert.strictEqual(json.status, 200);
      const bad = await gatewayToken('grant_type=client_credentials&client_id=demo&client_secret=x');
      assert.deepStrictEqual([bad.status, bad.json.error], [401, 'invalid_client']);
    });

    it('needs the Bearer for GetToken and the operations, and the AccessKey as well', async function () {
      const g = (await gatewayToken('grant_type=client_credentials&client_id=demo&client_secret=demo')).json.access_token;
      const noBearer = await post(sb.url + '/gateway' + SERVICE + 'GetToken', { username: 'demo', password: 'demo' });
      assert.strictEqual(noBearer.status, 401);
      assert.strictEqual(noBearer.json.error, 'invalid_token');

      const auth = { Authorization: 'Bearer ' + g, SENDER_CODE: '', TRAN_CODE: '', RECEIVER_CODE: '' };
      const tok = await post(sb.url + '/gateway' + SERVICE + 'GetToken', { username: 'demo', password: 'demo' }, auth);
      assert.strictEqual(tok.json.error_code, 0, JSON.stringify(tok.json));

      const noKey = await post(sb.url + '/gateway' + SERVICE + 'FileQuyetDinh', [decision('G-0')], auth);
      assert.strictEqual(noKey.status, 401);
      const ok = await post(sb.url + '/gateway' + SERVICE + 'FileQuyetDinh', [decision('G-1')], { ...auth, AccessKey: tok.json.token });
      assert.strictEqual(ok.json.error_code, 0, ok.text);
      const noBearerOp = await post(sb.url + '/gateway' + SERVICE + 'FileQuyetDinh', [decision('G-2')], { AccessKey: tok.json.token });
      assert.strictEqual(noBearerOp.status, 401);
      assert.deepStrictEqual(sb.records('decision').map((r) => r.record.MaHoSo), ['G-1']);
    });
  });

  describe('faults', function () {
    it('latency: the answer carries the delay it was held for and the content is intact', async function () {
      const t = await token(sb);
      sb.faults({ latencyMs: 120 });
      const r = await post(sb.url + SERVICE + 'FileQuyetDinh', [decision('L-1')], { AccessKey: t });
      assert.strictEqual(r.headers.get('x-sandbox-latency'), '120');
      assert.strictEqual(r.json.error_code, 0);
      assert.strictEqual(sb.counts().decision, 1);
    });

    it('outage: the client gets a network error, control endpoints still answer', async function () {
      const t = await token(sb);
      sb.faults({ outage: true });
      await assert.rejects(post(sb.url + SERVICE + 'FileQuyetDinh', [decision('O-1')], { AccessKey: t }));
      await assert.rejects(post(sb.url + SERVICE + 'GetToken', { username: 'demo', password: 'demo' }));
      const f = await fetch(sb.url + '/_sandbox/faults');
      assert.deepStrictEqual(await f.json(), { outage: true });
      assert.strictEqual((await post(sb.url + '/_sandbox/faults', {})).status, 200);
      const r = await post(sb.url + SERVICE + 'FileQuyetDinh', [decision('O-2')], { AccessKey: t });
      assert.strictEqual(r.json.error_code, 0);
      assert.deepStrictEqual(sb.records('decision').map((x) => x.record.MaHoSo), ['O-2']);
    });

    it('status5xxRate 1: every API request is answered 503 with a JSON body', async function () {
      const t = await token(sb);
      sb.faults({ status5xxRate: 1 });
      const r = await post(sb.url + SERVICE + 'FileQuyetDinh', [decision()], { AccessKey: t });
      assert.strictEqual(r.status, 503);
      assert.strictEqual(r.json.error_code, 503);
      assert.strictEqual(sb.counts().decision, 0);
    });

    it('status429: the next `count` requests get 429 with Retry-After, then normal service', async function () {
      const t = await token(sb);
      // Set over HTTP, as a province would from its own test script.
      assert.strictEqual((await post(sb.url + '/_sandbox/faults', { status429: { retryAfterS: 7, count: 2 } })).status, 200);
      for (let i = 0; i < 2; i++) {
        const r = await post(sb.url + SERVICE + 'FileQuyetDinh', [decision('R-' + i)], { AccessKey: t });
        assert.strictEqual(r.status, 429);
        assert.strictEqual(r.headers.get('retry-after'), '7');
      }
      assert.deepStrictEqual(sb.faults(), {});
      const ok = await post(sb.url + SERVICE + 'FileQuyetDinh', [decision('R-2')], { AccessKey: t });
      assert.strictEqual(ok.json.error_code, 0);
      assert.deepStrictEqual(sb.records('decision').map((x) => x.record.MaHoSo), ['R-2']);
    });

    it('rejectMaHoSo: a request holding a listed dossier is refused naming it, nothing stored', async function () {
      const t = await token(sb);
      sb.faults({ rejectMaHoSo: ['POISON-1'] });
      const r = await post(sb.url + SERVICE + 'FileQuyetDinh', [decision('FINE-1'), decision('POISON-1')], { AccessKey: t });
      assert.deepStrictEqual([r.status, r.json.error_code], [200, 1]);
      assert.deepStrictEqual(r.json.errors.map((e) => [e.index, e.MaHoSo, e.field, e.code]), [[1, 'POISON-1', 'MaHoSo', 'rejectedForTest']]);
      assert.match(r.json.message, /POISON-1/);
      assert.strictEqual(sb.counts().decision, 0);
      const ok = await post(sb.url + SERVICE + 'FileQuyetDinh', [decision('FINE-1')], { AccessKey: t });
      assert.strictEqual(ok.json.error_code, 0);
    });

    it('refuses malformed faults', async function () {
      assert.throws(() => sb.faults({ status5xxRate: 2 }));
      assert.throws(() => sb.faults({ nonsense: true }));
      const r = await post(sb.url + '/_sandbox/faults', { latencyMs: -1 });
      assert.strictEqual(r.status, 400);
      assert.throws(() => sb.faults({ latencyMs: 1e308 }), /latencyMs/, 'an absurd latency is refused');
      assert.throws(() => sb.faults({ status429: { retryAfterS: 1e12, count: 1 } }));
    });

    it('answers 413 to a body over 10 MB (not a reset connection)', async function () {
      const t = await token(sb);
      const big = 'x'.repeat(11 * 1024 * 1024);
      const r = await fetch(sb.url + SERVICE + 'DongBoDVC', { method: 'POST', headers: { 'content-type': 'application/json', AccessKey: t }, body: JSON.stringify([{ MaHoSo: big }]) });
      assert.strictEqual(r.status, 413);
      assert.strictEqual((await r.json()).error_code, 413);
    });

    it('reset forgets records, counters and faults', async function () {
      const t = await token(sb);
      await post(sb.url + SERVICE + 'FileQuyetDinh', [decision()], { AccessKey: t });
      sb.faults({ latencyMs: 5 });
      assert.strictEqual((await post(sb.url + '/_sandbox/reset', {})).status, 200);
      assert.deepStrictEqual(sb.counts(), { dossier: 0, progress: 0, decision: 0 });
      assert.deepStrictEqual(sb.faults(), {});
      assert.deepStrictEqual(sb.stats.requests, {});
    });
  });

  describe('page, records endpoint and log', function () {
    it('lists a stored record on the page with the CMND masked, never in full', async function () {
      const t = await token(sb);
      await post(sb.url + SERVICE + 'DongBoDVC', [dossier('P-1')], { AccessKey: t });
      sb.faults({ rejectMaHoSo: ['Z-9'] });
      const res = await fetch(sb.url + '/');
      assert.strictEqual(res.status, 200);
      assert.match(res.headers.get('content-type'), /text\/html; charset=utf-8/);
      const html = await res.text();
      assert.ok(html.includes('P-1'));
      assert.ok(html.includes('Nguyễn Thị Thử'));
      assert.ok(html.includes('0010******45'), 'masked CMND shown');
      assert.ok(!html.includes(CMND), 'full CMND never shown');
      assert.ok(html.includes('Z-9'), 'current faults shown');
      assert.match(html, /http-equiv="refresh" content="5"/);
      assert.ok(!/(src|href)="https?:/.test(html), 'no external assets');
    });

    it('serves records as JSON, masked unless raw=1, with op and limit', async function () {
      const t = await token(sb);
      await post(sb.url + SERVICE + 'FileQuyetDinh', [decision('J-1'), decision('J-2'), decision('J-3')], { AccessKey: t });
      await post(sb.url + SERVICE + 'XuLyHoSo', [progress('J-1')], { AccessKey: t });
      const masked = await (await fetch(sb.url + '/_sandbox/records?op=decision')).json();
      assert.strictEqual(masked.records.length, 3);
      assert.deepStrictEqual(masked.counts, { dossier: 0, progress: 1, decision: 3 });
      assert.ok(masked.records.every((r) => r.record.CMND === '0010******45'));
      const raw = await (await fetch(sb.url + '/_sandbox/records?op=FileQuyetDinh&limit=2&raw=1')).json();
      assert.deepStrictEqual(raw.records.map((r) => r.record.MaHoSo), ['J-2', 'J-3']);
      assert.strictEqual(raw.records[0].record.CMND, CMND);
      const all = await (await fetch(sb.url + '/_sandbox/records')).json();
      assert.strictEqual(all.records.length, 4);
      assert.strictEqual((await fetch(sb.url + '/_sandbox/records?op=nope')).status, 400);
    });

    it('never logs a token, password, key or full CMND', async function () {
      await sb.close();
      lines = [];
      sb = await createSandbox({ username: 'u1', password: 'S3cret-pass', key: 'K3y-static', log: (l) => lines.push(l) });
      await post(sb.url + SERVICE + 'GetToken', { username: 'u1', password: 'wrong-pass' });
      const t = await token(sb, { username: 'u1', password: 'S3cret-pass' });
      await post(sb.url + SERVICE + 'DongBoDVC', [dossier('LOG-1'), dossier('LOG-2', { CMND: undefined })], { AccessKey: t });
      await post(sb.url + SERVICE + 'DongBoDVC', [dossier('LOG-3')], { AccessKey: t });
      await post(sb.url + '/apiBTXH/FileQuyetDinh', { ...decision('LOG-4'), AcceptKey: 'K3y-static' });
      await post(sb.url + SERVICE + 'FileQuyetDinh', [decision(CMND)], { AccessKey: t });
      const all = lines.join('\n');
      assert.ok(lines.length >= 5, all);
      assert.ok(all.includes('LOG-3'));
      for (const secret of [t, 'S3cret-pass', 'wrong-pass', 'K3y-static', CMND]) assert.ok(!all.includes(secret), `log holds ${secret}`);
    });
  });

  describe('CLI', function () {
    it('starts on the given port (0 = free), prints its URL and serves GetToken', async function () {
      const cli = spawn(process.execPath, [path.join(__dirname, '..', 'sandbox', 'cli.js'), '--port', '0', '--username', 'prov', '--password', 'pw-cli'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      try {
        const url = await new Promise((resolve, reject) => {
          let out = '';
          cli.stdout.on('data', (d) => {
            out += d;
            const m = /^(http:\/\/127\.0\.0\.1:(\d+))\n/.exec(out);
            if (m) resolve(m[1]);
          });
          cli.on('exit', (code) => reject(new Error(`cli exited ${code}: ${out}`)));
        });
        assert.doesNotMatch(url, /:0$/);
        const r = await post(url + SERVICE + 'GetToken', { username: 'prov', password: 'pw-cli' });
        assert.strictEqual(r.json.error_code, 0);
      } finally {
        if (cli.exitCode === null && cli.signalCode === null) {
          const exited = new Promise((resolve) => cli.once('exit', resolve));
          cli.kill('SIGTERM');
          await exited;
        }
      }
    });

    it('refuses an unknown flag', async function () {
      const cli = spawn(process.execPath, [path.join(__dirname, '..', 'sandbox', 'cli.js'), '--bogus'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      cli.stderr.on('data', (d) => (err += d));
      const code = await new Promise((resolve) => cli.on('exit', resolve));
      assert.strictEqual(code, 2);
      assert.match(err, /unknown option: --bogus/);
    });
  });
});
