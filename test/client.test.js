'use strict';
// Loopback servers for the client tests: a scriptable BTXH fake, a CONNECT
// proxy and self-signed certificates made with the openssl CLI at test time.
const http = require('http');
const https = require('https');
const net = require('net');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');

/** Starts a server on 127.0.0.1; every request is recorded with its body text. */
function serve(handler, tls) {
  return new Promise((resolve) => {
    const requests = [];
    let connections = 0;
    const srv = tls ? https.createServer(tls) : http.createServer();
    srv.on(tls ? 'secureConnection' : 'connection', () => connections++);
    srv.on('request', (req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const r = { method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        requests.push(r);
        handler(r, res, req);
      });
    });
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      resolve({
        url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
        port,
        requests,
        connections: () => connections,
        close: () =>
          new Promise((r) => {
            srv.closeAllConnections();
            srv.close(() => r());
          }),
      });
    });
  });
}

function json(res, status, body, headers = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  res.end(text);
}

/**
 * A BTXH fake: GetToken issues tok-1, tok-2… for the right credentials;
 * other paths need a live AccessKey and answer with `opts.api(r, res)` or
 * error_code 0. `fake.expire(token)` makes the server refuse a token.
 */
function btxh(opts = {}) {
  const username = opts.username || 'tinh-01';
  const password = opts.password || 'Mat-Khau-Bi-Mat-42';
  const live = new Set();
  let issued = 0;
  const fake = {
    tokens: [],
    expire(t) {
      live.delete(t);
    },
    expireAll() {
      live.clear();
    },
  };
  const handler = (r, res) => {
    if (r.url.endsWith('/GetToken')) {
      const reply = () => {
        let b = {};
        try {
          b = JSON.parse(r.body);
        } catch {}
        if (b.username === username && b.password === password) {
          const t = `tok-${++issued}-${'x'.repeat(12)}`;
          live.add(t);
          fake.tokens.push(t);
          json(res, 200, { error_code: 0, message: 'Thành công', token: t });
        } else {
          json(res, 200, { error_code: 1, message: opts.echoPassword ? `Sai mật khẩu ${b.password}` : 'Sai tên đăng nhập hoặc mật khẩu' });
        }
      };
      return opts.tokenDelayMs ? setTimeout(reply, opts.tokenDelayMs) : reply();
    }
    if (!live.has(r.headers.accesskey)) {
      if (opts.rejectAs === 'errorCode') return json(res, 200, { error_code: -1, message: 'Token hết hạn hoặc không hợp lệ' });
      return json(res, 401, { error_code: 401, message: 'Unauthorized' });
    }
    if (opts.api) return opts.api(r, res);
    json(res, 200, { error_code: 0, message: 'Đồng bộ thành công' });
  };
  return { fake, handler, username, password };
}

/** A forward proxy that only tunnels (CONNECT), as hpagent speaks; optional Basic auth. */
function connectProxy(auth) {
  return new Promise((resolve) => {
    const seen = [];
    const srv = http.createServer((req, res) => {
      res.writeHead(405);
      res.end();
    });
    const sockets = new Set();
    srv.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    srv.on('connect', (req, client, head) => {
      seen.push({ target: req.url, auth: req.headers['proxy-authorization'] });
      if (auth && req.headers['proxy-authorization'] !== 'Basic ' + Buffer.from(auth).toString('base64')) {
        client.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n');
        return;
      }
      const [host, port] = req.url.split(':');
      if (host !== '127.0.0.1') {
        client.end('HTTP/1.1 403 Forbidden\r\n\r\n'); // the tests never leave loopback
        return;
      }
      const up = net.connect(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        up.write(head);
        up.pipe(client);
        client.pipe(up);
      });
      sockets.add(up);
      up.on('error', () => client.destroy());
      client.on('error', () => up.destroy());
    });
    srv.listen(0, '127.0.0.1', () => {
      resolve({
        url: `http://127.0.0.1:${srv.address().port}`,
        seen,
        close: () =>
          new Promise((r) => {
            for (const s of sockets) s.destroy();
            srv.close(() => r());
          }),
      });
    });
  });
}

/** A self-signed certificate for 127.0.0.1 / localhost, made by openssl in a temp dir. */
function selfSigned(cn = 'localhost') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'btxh-tls-'));
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2',
    '-subj', `/CN=${cn}`, '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ], { stdio: 'ignore' });
  const out = { key: fs.readFileSync(key), cert: fs.readFileSync(cert) };
  fs.rmSync(dir, { recursive: true, force: true });
  return out;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));


// ---------------------------------------------------------------------------

const assert = require('assert');
const { Connection, ConfigError, isTokenRejection, retryAfterMs, bypassesProxy } = require('../lib/client');

const records = [
  { MaHoSo: 'HS-001', HoVaTen: 'Nguyễn Văn A', CMND: '001234567845', Url: 'https://vb.example.invalid/qd1.pdf' },
  { MaHoSo: 'HS-002', HoVaTen: 'Trần Thị B', CMND: '001234567846', Url: 'https://vb.example.invalid/qd2.pdf' },
];

describe('client', function () {
  const open = [];
  const conns = [];
  async function server(handler, tls) {
    const s = await serve(handler, tls);
    open.push(s);
    return s;
  }
  function connect(config) {
    const c = new Connection(config);
    conns.push(c);
    return c;
  }
  afterEach(async function () {
    while (conns.length) conns.pop().close();
    while (open.length) await open.pop().close();
  });

  describe('D10 success and failure shapes', function () {
    let s;
    let next;
    beforeEach(async function () {
      const b = btxh({ api: (r, res) => next(r, res) });
      s = await server(b.handler);
      s.creds = { username: b.username, password: b.password };
    });
    const conn = (extra = {}) => connect({ baseUrl: s.url, ...s.creds, ...extra });

    it('sends a JSON array with AccessKey and accepts error_code "0"', async function () {
      next = (r, res) => json(res, 200, { error_code: '0', message: 'OK nhé' });
      const r = await conn().send('FileQuyetDinh', records);
      assert.deepStrictEqual(r, { ok: true, status: 200, body: { error_code: '0', message: 'OK nhé' }, message: 'OK nhé' });
      const req = s.requests.find((x) => x.url === '/api/v1/Service/FileQuyetDinh');
      assert.strictEqual(req.method, 'POST');
      assert.strictEqual(req.headers['content-type'], 'application/json; charset=utf-8');
      assert.match(req.headers.accesskey, /^tok-1-/);
      assert.deepStrictEqual(JSON.parse(req.body), records);
    });

    it('accepts numeric error_code 0', async function () {
      next = (r, res) => json(res, 200, { error_code: 0 });
      const r = await conn().send('DongBoDVC', records);
      assert.strictEqual(r.ok, true);
    });

    it('rejects error_code 1 with the status, the message and the body', async function () {
      next = (r, res) => json(res, 200, { error_code: 1, message: 'Mã hồ sơ không hợp lệ' });
      const c = conn();
      const r = await c.send('DongBoDVC', records);
      assert.deepStrictEqual(r, {
        ok: false, kind: 'rejected', code: 'apiError', status: 200, message: 'Mã hồ sơ không hợp lệ',
        body: { error_code: 1, message: 'Mã hồ sơ không hợp lệ' },
      });
      assert.strictEqual(c.stats.tokenRequests, 1, 'a data error must not cost a GetToken');
      assert.strictEqual(c.stats.requests, 1);
    });

    it('a non-JSON body or a body without error_code is no verdict on the records: transient badResponse', async function () {
      next = (r, res) => {
        res.writeHead(200, { 'Content-Type': 'text/html' });
        res.end('<html>Đăng nhập</html>');
      };
      const c = conn();
      let r = await c.send('DongBoDVC', records);
      assert.strictEqual(r.kind, 'transient');
      assert.strictEqual(r.code, 'badResponse');
      assert.strictEqual(r.body, '<html>Đăng nhập</html>');
      next = (r2, res) => json(res, 200, { message: 'done' });
      r = await c.send('DongBoDVC', records);
      assert.strictEqual(r.kind, 'transient');
      assert.strictEqual(r.code, 'badResponse');
      assert.strictEqual(r.message, 'done');
    });

    it('error_code -1 "under maintenance" is a busy server (transient); a connection may list other busy codes or none', async function () {
      next = (r, res) => json(res, 200, { error_code: -1, message: 'Hệ thống đang bảo trì, vui lòng thử lại sau' });
      let r = await conn().send('DongBoDVC', records);
      assert.strictEqual(r.kind, 'transient');
      assert.strictEqual(r.code, 'busy');
      next = (r2, res) => json(res, 200, { error_code: '99', message: 'Đang bảo trì' });
      r = await conn({ busyCodes: ['99'] }).send('DongBoDVC', records);
      assert.strictEqual(r.code, 'busy');
      next = (r2, res) => json(res, 200, { error_code: -1, message: 'Đang bảo trì' });
      r = await conn({ busyCodes: [] }).send('DongBoDVC', records);
      assert.strictEqual(r.kind, 'rejected', 'with no busy codes, -1 is an error on the records');
      assert.strictEqual(r.code, 'apiError');
    });

    it('classifies 500 as transient and other 4xx as rejected', async function () {
      next = (r, res) => json(res, 500, { error_code: 99, message: 'Lỗi hệ thống' });
      const c = conn();
      let r = await c.send('XuLyHoSo', records);
      assert.deepStrictEqual(r, { ok: false, kind: 'transient', code: 'serverError', status: 500, message: 'Lỗi hệ thống', retryAfterMs: undefined });
      next = (r2, res) => json(res, 400, { error_code: 400, message: 'Bad request' });
      r = await c.send('XuLyHoSo', records);
      assert.strictEqual(r.kind, 'rejected');
      assert.strictEqual(r.code, 'http');
      assert.strictEqual(r.status, 400);
    });

    it('classifies 429 as transient and reads Retry-After seconds and HTTP-date', async function () {
      next = (r, res) => json(res, 429, { error_code: 429, message: 'Too many' }, { 'Retry-After': '7' });
      const c = conn();
      let r = await c.send('XuLyHoSo', records);
      assert.strictEqual(r.kind, 'transient');
      assert.strictEqual(r.code, 'rateLimited');
      assert.strictEqual(r.status, 429);
      assert.strictEqual(r.retryAfterMs, 7000);
      const later = new Date(Date.now() + 120000).toUTCString();
      next = (r2, res) => json(res, 429, { error_code: 429 }, { 'Retry-After': later });
      r = await c.send('XuLyHoSo', records);
      assert.ok(r.retryAfterMs > 60000 && r.retryAfterMs <= 120000, String(r.retryAfterMs));
    });

    it('does not follow a 302: a connection fault (transient), and the Location server never sees the key', async function () {
      const elsewhere = await server((r, res) => json(res, 200, { error_code: 0 }));
      next = (r, res) => {
        res.writeHead(302, { Location: elsewhere.url + '/steal' });
        res.end();
      };
      const r = await conn().send('DongBoDVC', records);
      assert.strictEqual(r.ok, false);
      assert.strictEqual(r.kind, 'transient');
      assert.strictEqual(r.code, 'redirect');
      assert.strictEqual(r.status, 302);
      assert.ok(r.message.includes('/steal'));
      assert.strictEqual(elsewhere.requests.length, 0);
    });

    it('reuses one keep-alive connection across sends', async function () {
      next = (r, res) => json(res, 200, { error_code: 0 });
      const c = conn();
      for (let i = 0; i < 5; i++) assert.strictEqual((await c.send('DongBoDVC', records)).ok, true);
      assert.strictEqual(s.requests.length, 6);
      assert.strictEqual(s.connections(), 1);
    });

    it('answers an empty batch without a request', async function () {
      const c = conn();
      const r = await c.send('DongBoDVC', []);
      assert.strictEqual(r.code, 'noRecords');
      assert.strictEqual(s.requests.length, 0);
    });
  });

  describe('token (D11)', function () {
    it('50 concurrent sends share exactly one GetToken', async function () {
      const b = btxh({ tokenDelayMs: 50 });
      const s = await server(b.handler);
      const c = connect({ baseUrl: s.url, username: b.username, password: b.password });
      const results = await Promise.all(Array.from({ length: 50 }, () => c.send('DongBoDVC', records)));
      assert.ok(results.every((r) => r.ok));
      assert.strictEqual(c.stats.tokenRequests, 1);
      assert.strictEqual(s.requests.filter((r) => r.url.endsWith('/GetToken')).length, 1);
      assert.strictEqual(c.stats.requests, 50);
    });

    for (const rejectAs of ['status', 'errorCode']) {
      it(`a token rejected mid-run (${rejectAs === 'status' ? 'HTTP 401' : 'error_code -1 "Token hết hạn"'}) costs one refresh and one resend`, async function () {
        const b = btxh({ rejectAs });
        const s = await server(b.handler);
        const c = connect({ baseUrl: s.url, username: b.username, password: b.password });
        assert.strictEqual((await c.send('XuLyHoSo', records)).ok, true);
        b.fake.expire(b.fake.tokens[0]);
        const results = await Promise.all(Array.from({ length: 10 }, () => c.send('XuLyHoSo', records)));
        assert.ok(results.every((r) => r.ok), JSON.stringify(results[0]));
        assert.strictEqual(c.stats.tokenRequests, 2);
        const api = s.requests.filter((r) => r.url.endsWith('/XuLyHoSo'));
        assert.strictEqual(api.filter((r) => r.headers.accesskey === b.fake.tokens[1]).length, 10);
        assert.strictEqual(api.length, 21);
      });
    }

    it('a token refused again after the refresh is authFailed, after exactly one resend', async function () {
      const b = btxh({ api: (r, res) => json(res, 401, { message: 'no' }) });
      const s = await server(b.handler);
      const c = connect({ baseUrl: s.url, username: b.username, password: b.password });
      const r = await c.send('DongBoDVC', records);
      assert.strictEqual(r.kind, 'transient', 'wrong credentials are the connection\'s fault, not the records\'');
      assert.strictEqual(r.code, 'authFailed');
      assert.strictEqual(r.status, 401);
      assert.strictEqual(c.stats.tokenRequests, 2);
      assert.strictEqual(c.stats.requests, 2);
    });

    it('refreshes proactively after tokenLifetimeMs, and not at all with 0', async function () {
      const b = btxh();
      const s = await server(b.handler);
      const short = connect({ baseUrl: s.url, username: b.username, password: b.password, tokenLifetimeMs: 30 });
      const never = connect({ baseUrl: s.url, username: b.username, password: b.password, tokenLifetimeMs: 0 });
      await short.send('DongBoDVC', records);
      await never.send('DongBoDVC', records);
      await sleep(80);
      await short.send('DongBoDVC', records);
      await never.send('DongBoDVC', records);
      assert.strictEqual(short.stats.tokenRequests, 2);
      assert.strictEqual(never.stats.tokenRequests, 1);
    });

    it('wrong credentials: authFailed, the server message, and no password anywhere', async function () {
      const b = btxh({ echoPassword: true });
      const s = await server(b.handler);
      const password = 'Sai-Mat-Khau-Rat-Dai-99';
      const c = connect({ baseUrl: s.url, username: b.username, password });
      const r = await c.send('DongBoDVC', records);
      assert.strictEqual(r.ok, false);
      assert.strictEqual(r.kind, 'transient');
      assert.strictEqual(r.code, 'authFailed');
      assert.ok(r.message.startsWith('Sai mật khẩu'));
      assert.ok(!JSON.stringify(r).includes(password), JSON.stringify(r));
      assert.strictEqual(c.stats.requests, 0);
      const t = await c.test();
      assert.strictEqual(t.ok, false);
      assert.strictEqual(t.code, 'authFailed');
      assert.ok(!JSON.stringify(t).includes(password));
    });

    it('a token echoed by the server never reaches the result', async function () {
      const b = btxh({ api: (r, res) => json(res, 200, { error_code: 5, message: `Hồ sơ trùng (key ${r.headers.accesskey})`, echo: r.headers.accesskey }) });
      const s = await server(b.handler);
      const c = connect({ baseUrl: s.url, username: b.username, password: b.password });
      const r = await c.send('DongBoDVC', records);
      assert.strictEqual(r.code, 'apiError');
      assert.ok(!JSON.stringify(r).includes(b.fake.tokens[0]), JSON.stringify(r));
      assert.ok(r.message.includes('***'));
    });

    it('a failed GetToken is not cached: the next send tries again', async function () {
      const b = btxh();
      let down = true;
      const s = await server((r, res) => (down && r.url.endsWith('/GetToken') ? json(res, 503, { message: 'bảo trì' }, { 'Retry-After': '3' }) : b.handler(r, res)));
      const c = connect({ baseUrl: s.url, username: b.username, password: b.password });
      const first = await c.send('DongBoDVC', records);
      assert.deepStrictEqual([first.kind, first.code, first.status, first.retryAfterMs], ['transient', 'serverError', 503, 3000]);
      down = false;
      assert.strictEqual((await c.send('DongBoDVC', records)).ok, true);
      assert.strictEqual(c.stats.tokenRequests, 2);
    });

    it('a broken GetToken answer (an HTML page, JSON without a token) is a transient connection fault, never the records\' verdict', async function () {
      const b = btxh();
      let broken = 'html';
      const s = await server((r, res) => {
        if (!r.url.endsWith('/GetToken') || !broken) return b.handler(r, res);
        if (broken === 'html') {
          res.writeHead(200, { 'Content-Type': 'text/html' });
          return res.end('<html><body>Cổng đang bảo trì</body></html>');
        }
        return json(res, 200, { error_code: 0, message: 'OK' });
      });
      const c = connect({ baseUrl: s.url, username: b.username, password: b.password });
      let r = await c.send('DongBoDVC', records);
      assert.strictEqual(r.kind, 'transient', JSON.stringify(r));
      broken = 'noToken';
      r = await c.send('DongBoDVC', records);
      assert.strictEqual(r.kind, 'transient', JSON.stringify(r));
      assert.strictEqual(s.requests.filter((x) => x.url.endsWith('/DongBoDVC')).length, 0, 'no record sent without a token');
      broken = undefined;
      assert.strictEqual((await c.send('DongBoDVC', records)).ok, true);
    });

    it('test() without a token endpoint (mode key) checks that the base URL answers, sending no key', async function () {
      const s = await server((r, res) => json(res, 404, { message: 'not here' }));
      const c = connect({ baseUrl: s.url, mode: 'key', key: 'STATIC-KEY-0123456789' });
      const t = await c.test();
      assert.strictEqual(t.ok, true);
      assert.strictEqual(t.status, 404);
      assert.ok(!JSON.stringify(s.requests).includes('STATIC-KEY-0123456789'));
      const gone = await serve(() => {});
      await gone.close();
      const d = await connect({ baseUrl: gone.url, mode: 'key', key: 'STATIC-KEY-0123456789' }).test();
      assert.strictEqual(d.ok, false);
      assert.strictEqual(d.code, 'network');
    });

    it('test() makes a fresh GetToken and reports ok', async function () {
      const b = btxh();
      const s = await server(b.handler);
      const c = connect({ baseUrl: s.url, username: b.username, password: b.password });
      const t = await c.test();
      assert.strictEqual(t.ok, true);
      assert.strictEqual(c.stats.tokenRequests, 1);
      assert.ok(!JSON.stringify(t).includes('tok-'));
    });

    it('GetToken unreachable is transient network; an unanswered request times out as transient', async function () {
      const gone = await serve(() => {});
      await gone.close();
      const c = connect({ baseUrl: gone.url, username: 'u', password: 'secret-pw' });
      const r = await c.send('DongBoDVC', records);
      assert.strictEqual(r.kind, 'transient');
      assert.strictEqual(r.code, 'network');

      const b = btxh({ api: () => {} }); // never answers
      const s = await server(b.handler);
      const slow = connect({ baseUrl: s.url, username: b.username, password: b.password, timeoutMs: 300 });
      const t = await slow.send('DongBoDVC', records);
      assert.strictEqual(t.ok, false);
      assert.strictEqual(t.kind, 'transient');
      assert.strictEqual(t.code, 'timeout');
    });
  });

  describe('auth modes and body shape (D1, D16)', function () {
    it('mode key: AcceptKey in each body, one object per request, no GetToken, first failure reported', async function () {
      let n = 0;
      const s = await server((r, res) => (++n === 3 ? json(res, 200, { error_code: 2, message: 'Trùng' }) : json(res, 200, { error_code: 0, n })));
      const key = 'STATIC-KEY-0123456789';
      const c = connect({ baseUrl: s.url, mode: 'key', key, paths: { DongBoDVC: '/apiBTXH/DongBoDVC' } });
      const ok = await c.send('DongBoDVC', records);
      assert.deepStrictEqual(ok, { ok: true, status: 200, body: [{ error_code: 0, n: 1 }, { error_code: 0, n: 2 }] });
      assert.strictEqual(s.requests.length, 2);
      s.requests.forEach((r, i) => {
        assert.strictEqual(r.url, '/apiBTXH/DongBoDVC');
        assert.deepStrictEqual(JSON.parse(r.body), { ...records[i], AcceptKey: key });
        assert.strictEqual(r.headers.accesskey, undefined);
      });
      assert.strictEqual(c.stats.tokenRequests, 0);
      const bad = await c.send('DongBoDVC', records);
      assert.strictEqual(bad.code, 'apiError');
      assert.strictEqual(bad.delivered, 0);
      assert.ok(!JSON.stringify(bad).includes(key));
    });

    it("bodyShape 'object' in token mode sends one record per request", async function () {
      const b = btxh();
      const s = await server(b.handler);
      const c = connect({ baseUrl: s.url, username: b.username, password: b.password, bodyShape: 'object' });
      const r = await c.send('XuLyHoSo', records);
      assert.strictEqual(r.ok, true);
      const api = s.requests.filter((x) => x.url.endsWith('/XuLyHoSo'));
      assert.deepStrictEqual(api.map((x) => JSON.parse(x.body)), records);
    });

    it('relative paths keep the base path; absolute paths are used as they are', async function () {
      const b = btxh();
      const s = await server(b.handler);
      const other = await server((r, res) => json(res, 200, { error_code: 0 }));
      const c = connect({
        baseUrl: s.url + '/lgsp/btxh/', username: b.username, password: b.password,
        paths: { XuLyHoSo: 'apiBTXH/XuLyHoSo', FileQuyetDinh: other.url + '/x/FileQuyetDinh' },
      });
      assert.strictEqual((await c.send('XuLyHoSo', records)).ok, true);
      assert.strictEqual((await c.send('FileQuyetDinh', records)).ok, true);
      assert.deepStrictEqual(s.requests.map((r) => r.url), ['/lgsp/btxh/api/v1/Service/GetToken', '/lgsp/btxh/apiBTXH/XuLyHoSo']);
      assert.deepStrictEqual(other.requests.map((r) => r.url), ['/x/FileQuyetDinh']);
    });

    it('mode gateway: client-credentials Bearer cached, gateway headers sent, BTXH token as AccessKey', async function () {
      const b = btxh();
      const api = await server((r, res) => {
        if (r.headers.authorization !== 'Bearer gw-token-1' || r.headers.lgspaccesstoken !== 'LGSP-SECRET-777') return json(res, 401, { message: 'gateway says no' });
        b.handler(r, res);
      });
      const tokenServer = await server((r, res) => json(res, 200, { access_token: 'gw-token-1', token_type: 'Bearer', expires_in: 3600 }));
      const c = connect({
        baseUrl: api.url, mode: 'gateway', username: b.username, password: b.password,
        gateway: { tokenUrl: tokenServer.url + '/token', clientId: 'tinh01', clientSecret: 'client-secret-xyz', scope: 'btxh', headers: { lgspaccesstoken: 'LGSP-SECRET-777', SENDER_CODE: '' } },
      });
      for (let i = 0; i < 3; i++) assert.strictEqual((await c.send('DongBoDVC', records)).ok, true);
      assert.strictEqual(tokenServer.requests.length, 1);
      const tr = tokenServer.requests[0];
      assert.strictEqual(tr.headers.authorization, 'Basic ' + Buffer.from('tinh01:client-secret-xyz').toString('base64'));
      assert.deepStrictEqual(Object.fromEntries(new URLSearchParams(tr.body)), { grant_type: 'client_credentials', scope: 'btxh' });
      assert.strictEqual(c.stats.tokenRequests, 1);
      for (const r of api.requests) {
        assert.strictEqual(r.headers.sender_code, '');
        assert.strictEqual(r.headers.authorization, 'Bearer gw-token-1');
      }
      const sent = api.requests.filter((r) => r.url.endsWith('/DongBoDVC'));
      assert.strictEqual(sent.length, 3);
      assert.ok(sent.every((r) => r.headers.accesskey === b.fake.tokens[0]));
    });

    it('mode gateway: a refused client secret is authFailed without the secret', async function () {
      const tokenServer = await server((r, res) => json(res, 400, { error: 'invalid_client', error_description: 'Client authentication failed' }));
      const c = connect({ baseUrl: tokenServer.url, mode: 'gateway', gateway: { tokenUrl: tokenServer.url + '/token', clientId: 'a', clientSecret: 'client-secret-xyz', clientAuth: 'body' } });
      const r = await c.send('DongBoDVC', records);
      assert.strictEqual(r.code, 'authFailed');
      assert.strictEqual(r.message, 'Client authentication failed');
      assert.ok(new URLSearchParams(tokenServer.requests[0].body).get('client_secret') === 'client-secret-xyz');
      assert.ok(!JSON.stringify(r).includes('client-secret-xyz'));
      const t = await c.test();
      assert.strictEqual(t.ok, false);
    });

    it('refuses a configuration it cannot use, without sentences or secrets', function () {
      assert.throws(() => new Connection({ baseUrl: 'ftp://x', username: 'u', password: 'p' }), (e) => e instanceof ConfigError && e.problem.field === 'baseUrl' && e.problem.code === 'invalidUrl');
      assert.throws(() => new Connection({ baseUrl: '/relative', username: 'u', password: 'p' }), ConfigError);
      assert.throws(() => new Connection({ baseUrl: 'http://127.0.0.1:1', username: 'u' }), (e) => e.problem.field === 'password' && e.problem.code === 'missingCredential');
      assert.throws(() => new Connection({ baseUrl: 'http://127.0.0.1:1', mode: 'key' }), (e) => e.problem.field === 'key');
      assert.throws(() => new Connection({ baseUrl: 'http://127.0.0.1:1', username: 'u', password: 'p', paths: { DongBoDVC: 'file:///etc' } }), (e) => e.problem.field === 'paths.DongBoDVC');
    });
  });

  describe('TLS', function () {
    let pair;
    let client;
    before(function () {
      pair = selfSigned('localhost');
      client = selfSigned('client-tinh-01');
    });

    it('refuses a self-signed server unless its CA is given or verification is turned off explicitly', async function () {
      const b = btxh();
      const s = await server(b.handler, { key: pair.key, cert: pair.cert });
      const base = { baseUrl: s.url, username: b.username, password: b.password };
      const unverified = await connect(base).send('DongBoDVC', records);
      assert.strictEqual(unverified.ok, false);
      assert.strictEqual(unverified.kind, 'transient', 'a certificate problem is the connection\'s, the records wait');
      assert.strictEqual(unverified.code, 'tls');
      assert.strictEqual(s.requests.length, 0);
      assert.strictEqual((await connect({ ...base, tls: { ca: pair.cert } }).send('DongBoDVC', records)).ok, true);
      assert.strictEqual((await connect({ ...base, tls: { rejectUnauthorized: false } }).send('DongBoDVC', records)).ok, true);
    });

    it('presents a client certificate (mutual TLS)', async function () {
      const b = btxh();
      const s = await server(b.handler, { key: pair.key, cert: pair.cert, ca: client.cert, requestCert: true, rejectUnauthorized: true });
      const base = { baseUrl: s.url, username: b.username, password: b.password };
      const without = await connect({ ...base, tls: { ca: pair.cert } }).send('DongBoDVC', records);
      assert.strictEqual(without.ok, false);
      const withCert = await connect({ ...base, tls: { ca: pair.cert, cert: client.cert, key: client.key } }).send('DongBoDVC', records);
      assert.strictEqual(withCert.ok, true, JSON.stringify(withCert));
    });
  });

  describe('TLS options from tls-config (Node-RED 5: PKCS#12 and SNI)', function () {
    const { certificate, sniServer } = require('./support/pki');
    let serverCert;
    let clientCert;
    before(function () {
      serverCert = certificate('btxh.sandbox.test');
      clientCert = certificate('motcua-tinh-01');
    });

    it('presents a PKCS#12 client certificate opened with its passphrase, and sends the SNI name it is told', async function () {
      const b = btxh();
      const s = await sniServer(serverCert, clientCert, b.handler);
      open.push(s);
      const base = { baseUrl: s.url, username: b.username, password: b.password };
      const tls = { ca: serverCert.cert, pfx: clientCert.pfx, passphrase: clientCert.passphrase, servername: serverCert.name };
      const r = await connect({ ...base, tls }).send('DongBoDVC', records);
      assert.strictEqual(r.ok, true, JSON.stringify(r));
      assert.ok(s.seen.names.length >= 1 && s.seen.names.every((n) => n === 'btxh.sandbox.test'), JSON.stringify(s.seen.names));
      assert.ok(s.seen.clients.length >= 2 && s.seen.clients.every((cn) => cn === 'motcua-tinh-01'), 'GetToken and DongBoDVC both presented the p12 certificate');
    });

    it('without the SNI name, or without the certificate, the same server refuses: the options are what made it pass', async function () {
      const b = btxh();
      const s = await sniServer(serverCert, clientCert, b.handler);
      open.push(s);
      const base = { baseUrl: s.url, username: b.username, password: b.password };
      const noName = await connect({ ...base, tls: { ca: serverCert.cert, pfx: clientCert.pfx, passphrase: clientCert.passphrase } }).send('DongBoDVC', records);
      assert.strictEqual(noName.ok, false);
      assert.strictEqual(noName.code, 'tls');
      const noCert = await connect({ ...base, tls: { ca: serverCert.cert, servername: serverCert.name } }).send('DongBoDVC', records);
      assert.strictEqual(noCert.ok, false);
      const wrongPass = await connect({ ...base, tls: { ca: serverCert.cert, pfx: clientCert.pfx, passphrase: 'sai-mat-khau', servername: serverCert.name } }).send('DongBoDVC', records);
      assert.strictEqual(wrongPass.ok, false);
      assert.ok(!JSON.stringify(wrongPass).includes('sai-mat-khau'), 'the passphrase is not in the failure');
      assert.strictEqual(s.seen.clients.length, 0, 'no request got through');
    });
  });

  describe('proxy', function () {
    it('tunnels through the proxy with its credentials, and bypasses it for noProxy hosts', async function () {
      const b = btxh();
      const s = await server(b.handler);
      const proxy = await connectProxy('px-user:px-pass-1234');
      open.push(proxy);
      const base = { baseUrl: s.url, username: b.username, password: b.password };
      const c = connect({ ...base, proxy: { url: proxy.url, username: 'px-user', password: 'px-pass-1234' } });
      assert.strictEqual((await c.send('DongBoDVC', records)).ok, true);
      assert.ok(proxy.seen.length >= 1);
      assert.ok(proxy.seen.every((x) => x.target === `127.0.0.1:${s.port}`));
      const before = proxy.seen.length;
      const direct = connect({ ...base, proxy: { url: proxy.url, noProxy: ['localhost', '127.0.0.1'] } });
      assert.strictEqual((await direct.send('DongBoDVC', records)).ok, true);
      assert.strictEqual(proxy.seen.length, before);
    });

    it('a proxy refusing the credentials is a proxy connection fault, without the proxy password', async function () {
      const b = btxh();
      const s = await server(b.handler);
      const proxy = await connectProxy('px-user:right-password');
      open.push(proxy);
      const c = connect({ baseUrl: s.url, username: b.username, password: b.password, proxy: { url: proxy.url, username: 'px-user', password: 'wrong-password' } });
      const r = await c.send('DongBoDVC', records);
      assert.strictEqual(r.ok, false);
      assert.strictEqual(r.code, 'proxy');
      assert.strictEqual(r.kind, 'transient');
      assert.ok(!JSON.stringify(r).includes('wrong-password'));
      assert.strictEqual(s.requests.length, 0);
    });

    it('through the proxy to an HTTPS server with a custom CA', async function () {
      const pair = selfSigned('localhost');
      const b = btxh();
      const s = await server(b.handler, { key: pair.key, cert: pair.cert });
      const proxy = await connectProxy();
      open.push(proxy);
      const c = connect({ baseUrl: s.url, username: b.username, password: b.password, tls: { ca: pair.cert }, proxy: { url: proxy.url } });
      assert.strictEqual((await c.send('DongBoDVC', records)).ok, true);
      assert.ok(proxy.seen.length >= 1);
    });
  });

  describe('checkDocument (FileQuyetDinh)', function () {
    let docs;
    let c;
    let hops;
    // The test servers listen on loopback: these tests allow internal addresses, as a node with
    // "Also links to internal addresses" does; the default (refused) is tested on its own.
    const LOOPBACK = { allowPrivate: true };
    beforeEach(async function () {
      hops = 0;
      const pdf = Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj\n');
      docs = await server((r, res) => {
        if (r.url === '/qd.pdf') {
          res.writeHead(200, { 'Content-Type': 'application/pdf', 'Content-Length': pdf.length });
          return res.end(r.method === 'HEAD' ? undefined : pdf);
        }
        if (r.url === '/login') {
          res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
          return res.end('<html>Đăng nhập</html>');
        }
        if (r.url === '/nohead.bin') {
          if (r.method === 'HEAD') {
            res.writeHead(405);
            return res.end();
          }
          res.writeHead(206, { 'Content-Type': 'application/octet-stream' });
          return res.end(pdf);
        }
        if (r.url === '/moved') {
          res.writeHead(302, { Location: '/qd.pdf' });
          return res.end();
        }
        if (r.url === '/elsewhere') {
          res.writeHead(302, { Location: docs.url.replace('127.0.0.1', 'localhost') + '/qd.pdf' });
          return res.end();
        }
        if (r.url === '/busy.pdf') {
          res.writeHead(503, { 'Retry-After': '60' });
          return res.end();
        }
        if (r.url === '/locked.pdf') {
          res.writeHead(403);
          return res.end();
        }
        if (r.url.startsWith('/hop')) {
          hops += 1;
          res.writeHead(302, { Location: '/hop' + hops });
          return res.end();
        }
        if (r.url === '/loop') {
          res.writeHead(302, { Location: '/loop' });
          return res.end();
        }
        res.writeHead(404, { 'Content-Type': 'text/html' });
        res.end('not found');
      });
      c = connect({ baseUrl: 'http://127.0.0.1:1', mode: 'gateway', username: 'u', password: 'doc-test-password', gateway: { headers: { lgspaccesstoken: 'LGSP-SECRET-777' } } });
    });

    it('a PDF answered to HEAD is ok, with no credentials sent', async function () {
      assert.deepStrictEqual(await c.checkDocument(docs.url + '/qd.pdf', LOOPBACK), { ok: true, status: 200, contentType: 'application/pdf' });
      assert.strictEqual(docs.requests[0].method, 'HEAD');
      for (const r of docs.requests) {
        assert.strictEqual(r.headers.accesskey, undefined);
        assert.strictEqual(r.headers.authorization, undefined);
        assert.strictEqual(r.headers.lgspaccesstoken, undefined);
      }
    });

    it('an HTML page is not ok; a 404 is not ok', async function () {
      assert.deepStrictEqual(await c.checkDocument(docs.url + '/login', LOOPBACK), { ok: false, status: 200, contentType: 'text/html', code: 'documentType' });
      const missing = await c.checkDocument(docs.url + '/nothing.pdf', LOOPBACK);
      assert.strictEqual(missing.ok, false);
      assert.strictEqual(missing.status, 404);
      assert.strictEqual(missing.code, 'documentStatus');
    });

    it('falls back to a ranged GET and recognises a PDF by its first bytes', async function () {
      const r = await c.checkDocument(docs.url + '/nohead.bin', LOOPBACK);
      assert.deepStrictEqual(r, { ok: true, status: 206, contentType: 'application/octet-stream' });
      const get = docs.requests.find((x) => x.method === 'GET');
      assert.strictEqual(get.headers.range, 'bytes=0-15');
    });

    it('follows up to 3 redirects, not forever; refuses non-http URLs', async function () {
      assert.strictEqual((await c.checkDocument(docs.url + '/moved', LOOPBACK)).ok, true);
      const loop = await c.checkDocument(docs.url + '/loop', LOOPBACK);
      assert.strictEqual(loop.ok, false);
      assert.strictEqual(loop.code, 'documentRedirects');
      assert.ok(!loop.transient);
      assert.ok(docs.requests.filter((r) => r.url === '/loop').length <= 8);
      assert.deepStrictEqual(await c.checkDocument('file:///etc/passwd'), { ok: false, code: 'documentUrl' });
    });

    it('by default refuses loopback, private and link-local links without a request', async function () {
      const before = docs.requests.length;
      for (const url of [docs.url + '/qd.pdf', 'http://localhost/qd.pdf', 'http://10.1.2.3/qd.pdf', 'http://192.168.1.10/qd.pdf', 'http://172.20.0.5/qd.pdf',
        'http://169.254.169.254/latest/meta-data/', 'http://[::1]/qd.pdf', 'http://[::ffff:127.0.0.1]/qd.pdf', 'http://[fd00::1]/qd.pdf', 'http://0.0.0.0/qd.pdf', 'http://100.64.0.1/qd.pdf']) {
        const r = await c.checkDocument(url);
        assert.deepStrictEqual([r.ok, r.code, !!r.transient], [false, 'documentPrivate', false], url);
      }
      assert.strictEqual(docs.requests.length, before, 'nothing was fetched');
    });

    it('refuses a name that resolves to an internal address when it connects (DNS rebinding too)', async function () {
      const { Agents } = require('../lib/client/agents');
      const agents = new Agents(undefined, undefined, 'document', true);
      const url = new URL(docs.url.replace('127.0.0.1', 'localhost') + '/qd.pdf');
      const err = await new Promise((resolve) => {
        require('http').get(url, { agent: agents.for(url).httpAgent }, () => resolve(null)).on('error', resolve);
      });
      agents.destroy();
      assert.strictEqual(err && err.code, 'EPRIVATEADDR');
      assert.strictEqual(docs.requests.length, 0);
    });

    it('follows no redirect to another host, even an allowed one', async function () {
      const r = await c.checkDocument(docs.url + '/elsewhere', LOOPBACK);
      assert.deepStrictEqual([r.ok, r.code, r.status], [false, 'documentRedirect', 302]);
      assert.deepStrictEqual(docs.requests.map((x) => x.url), ['/elsewhere'], 'the other host was never asked');
    });

    it('a failure that may pass (503, a refused connection) is transient; a 403 on GET is not', async function () {
      const busy = await c.checkDocument(docs.url + '/busy.pdf', LOOPBACK);
      assert.deepStrictEqual([busy.ok, busy.code, busy.transient, busy.reason], [false, 'documentUnavailable', true, 'HTTP 503']);
      const port = docs.url.split(':').pop();
      await docs.close();
      open.splice(open.indexOf(docs), 1);
      const refused = await c.checkDocument(`http://127.0.0.1:${port}/qd.pdf`, LOOPBACK);
      assert.deepStrictEqual([refused.ok, refused.code, refused.transient, refused.reason], [false, 'documentUnavailable', true, 'network']);
    });

    it('a 403 answered to GET too is a refusal, not a wait', async function () {
      const r = await c.checkDocument(docs.url + '/locked.pdf', LOOPBACK);
      assert.deepStrictEqual([r.ok, r.code, !!r.transient, r.status], [false, 'documentStatus', false, 403]);
    });

    it('one deadline covers the whole check, redirects included', async function () {
      const { checkDocument } = require('../lib/client/document');
      const { Http } = require('../lib/client/http');
      const { Agents } = require('../lib/client/agents');
      const agents = new Agents(undefined, undefined, 'document');
      // Each answer "takes" 4 s on this clock: the third hop is past the 10 s deadline.
      let t = 0;
      const http = new Http(agents, 'test');
      const request = http.request.bind(http);
      http.request = async (r) => {
        const x = await request(r);
        t += 4000;
        return x;
      };
      const r = await checkDocument(http, docs.url + '/hop', { allowPrivate: true, now: () => t });
      agents.destroy();
      assert.deepStrictEqual([r.ok, r.code, r.reason, r.transient], [false, 'documentUnavailable', 'timeout', true]);
      assert.strictEqual(docs.requests.length, 3, 'stopped at the deadline, not after 3 redirects');
    });
  });

  describe('timeouts past what a timer can hold', function () {
    it('a timeout of 3,000,000 s is clamped to the longest timer, not overflowed to 1 ms', async function () {
      const b = btxh({ api: (r, res) => setTimeout(() => res.end(JSON.stringify({ error_code: 0, message: 'OK' })), 50) });
      const s = await server(b.handler);
      const c = connect({ baseUrl: s.url, username: b.username, password: b.password, timeoutMs: 3_000_000_000 });
      const r = await c.send('DongBoDVC', records);
      assert.strictEqual(r.ok, true, JSON.stringify(r));
      const { systemClock, MAX_TIMER_MS } = require('../lib/clock');
      let fired = false;
      const t = systemClock.setTimeout(() => (fired = true), 1e15);
      await sleep(20);
      systemClock.clearTimeout(t);
      assert.strictEqual(fired, false, 'a huge delay waits, it does not fire at once');
      assert.strictEqual(MAX_TIMER_MS, 2 ** 31 - 1);
    });
  });

  describe('small predicates', function () {
    const rejected = (status, body) => ({ ok: false, kind: 'rejected', code: 'x', message: '', status, body });
    it('isTokenRejection names the token, not any "không hợp lệ"', function () {
      assert.strictEqual(isTokenRejection(rejected(401)), true);
      assert.strictEqual(isTokenRejection(rejected(200, { error_code: '403', message: '' })), true);
      assert.strictEqual(isTokenRejection(rejected(200, { error_code: -1, message: 'Token hết hạn' })), true);
      assert.strictEqual(isTokenRejection(rejected(200, { error_code: 1, message: 'AccessKey không hợp lệ' })), true);
      assert.strictEqual(isTokenRejection(rejected(200, { error_code: 1, message: 'Khoá truy cập đã hết hạn' })), true);
      assert.strictEqual(isTokenRejection(rejected(200, { error_code: 1, message: 'invalid TOKEN' })), true);
      assert.strictEqual(isTokenRejection(rejected(200, { error_code: 1, message: 'Mã hồ sơ không hợp lệ' })), false);
      assert.strictEqual(isTokenRejection(rejected(200, { error_code: 1, message: 'Hồ sơ đã hết hạn xử lý' })), false);
      assert.strictEqual(isTokenRejection(rejected(200, { error_code: 0, message: 'token ok' })), false);
      assert.strictEqual(isTokenRejection({ ok: false, kind: 'transient', code: 'serverError', message: 'token', status: 500 }), false);
    });
    it('retryAfterMs reads seconds and HTTP-dates, never negative', function () {
      const now = Date.parse('2025-01-01T00:00:00Z');
      assert.strictEqual(retryAfterMs('120', now), 120000);
      assert.strictEqual(retryAfterMs('Wed, 01 Jan 2025 00:00:30 GMT', now), 30000);
      assert.strictEqual(retryAfterMs('Tue, 31 Dec 2024 00:00:00 GMT', now), 0);
      assert.strictEqual(retryAfterMs('soon', now), undefined);
      assert.strictEqual(retryAfterMs(undefined, now), undefined);
    });
    it('bypassesProxy matches hosts, suffixes, ports and *', function () {
      const u = new URL('https://api.btxh.gov.vn:8443/x');
      assert.strictEqual(bypassesProxy(u, ['btxh.gov.vn']), true);
      assert.strictEqual(bypassesProxy(u, ['.gov.vn']), true);
      assert.strictEqual(bypassesProxy(u, ['*.gov.vn']), true);
      assert.strictEqual(bypassesProxy(u, ['api.btxh.gov.vn:8443']), true);
      assert.strictEqual(bypassesProxy(u, ['api.btxh.gov.vn:443']), false);
      assert.strictEqual(bypassesProxy(u, ['xbtxh.gov.vn', 'gov']), false);
      assert.strictEqual(bypassesProxy(u, ['*']), true);
      assert.strictEqual(bypassesProxy(u, []), false);
    });
  });
});
