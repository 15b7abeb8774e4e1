'use strict';
// btxh-auth reuses Node-RED's own tls-config and http proxy nodes (never its own copies):
// a custom CA, verification that stays on unless turned off, and a proxy.
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const net = require('net');
const path = require('path');
const { execFileSync } = require('child_process');
const { helper, createSandbox, start, outcome, records, CREDS } = require('./support/flow');
const { dossier } = require('./support/records');

const core = path.dirname(require.resolve('@node-red/nodes/package.json'));
const tlsNode = require(path.join(core, 'core/network/05-tls.js'));
const proxyNode = require(path.join(core, 'core/network/06-httpproxy.js'));

function selfSigned() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'btxh-tls-'));
  const [key, cert] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const out = { key: fs.readFileSync(key, 'utf8'), cert: fs.readFileSync(cert, 'utf8') };
  fs.rmSync(dir, { recursive: true, force: true });
  return out;
}

/** A CONNECT proxy on loopback that counts the tunnels it opened. */
function connectProxy() {
  return new Promise((resolve) => {
    const srv = require('http').createServer((req, res) => res.writeHead(405).end());
    srv.tunnels = [];
    srv.on('connect', (req, socket, head) => {
      srv.tunnels.push(req.url);
      const [host, port] = req.url.split(':');
      const up = net.connect(Number(port), host, () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        up.write(head);
        up.pipe(socket);
        socket.pipe(up);
      });
      up.on('error', () => socket.destroy());
      socket.on('error', () => up.destroy());
    });
    srv.listen(0, '127.0.0.1', () => resolve(srv));
  });
}

function loadWith(extraNodes, sandbox, authExtra, creds) {
  // start() loads our modules; add the core config nodes to what it loads.
  const original = helper.load.bind(helper);
  helper.load = (mods, flow, c) => original([...mods, ...extraNodes.map((n) => n.module)], [...flow, ...extraNodes.map((n) => n.node)], { ...c, ...creds });
  return start({ sandbox, auth: authExtra }).finally(() => {
    helper.load = original;
  });
}

describe("btxh-auth with Node-RED's tls-config and http proxy nodes", function () {
  let cert;
  let sandbox;
  before(() => {
    cert = selfSigned();
  });
  beforeEach((done) => {
    helper.startServer(done);
  });
  afterEach(async () => {
    await helper.unload();
    await new Promise((r) => helper.stopServer(r));
    await sandbox?.close();
  });

  const tls = (verify) => ({ id: 'tls', type: 'tls-config', cert: '', key: '', ca: '', verifyservercert: verify });

  it('trusts an HTTPS endpoint through the CA given in a tls-config node', async () => {
    sandbox = await createSandbox({ port: 0, ...CREDS, tls: cert });
    const f = await loadWith([{ module: tlsNode, node: tls(true) }], sandbox, { tls: 'tls' }, { tls: { cadata: cert.cert } });
    const wait = outcome(f, (s) => records(s) === 1);
    f.sync.receive({ payload: dossier(1) });
    await wait;
    assert.ok(sandbox.url.startsWith('https://'));
    assert.strictEqual(sandbox.records('dossier').length, 1);
  });

  it('keeps verification on without a CA: the self-signed endpoint is refused, the record waits with the reason, nothing on output 2', async () => {
    sandbox = await createSandbox({ port: 0, ...CREDS, tls: cert });
    const f = await start({ sandbox });
    const refused = new Promise((resolve) => f.sync.on('call:status', (c) => c.args[0].fill === 'yellow' && resolve(c.args[0])));
    f.sync.receive({ payload: dossier(1) });
    await refused;
    const answer = outcome(f, (s) => s.sent.some((m) => m.topic === 'status'));
    f.sync.receive({ topic: 'status' });
    const s = await answer;
    const st = s.sent.find((m) => m.topic === 'status').payload;
    assert.strictEqual(st.reachable, false);
    assert.strictEqual(st.lastError.params.reason, 'tls', JSON.stringify(st.lastError));
    assert.strictEqual(st.waiting + st.inflight, 1, 'a certificate problem is the connection\'s: the record waits');
    assert.deepStrictEqual(s.notSent, []);
    assert.strictEqual(sandbox.records('dossier').length, 0);
  });

  it('turns verification off only when the tls-config node says so', async () => {
    sandbox = await createSandbox({ port: 0, ...CREDS, tls: cert });
    const f = await loadWith([{ module: tlsNode, node: tls(false) }], sandbox, { tls: 'tls' }, {});
    const wait = outcome(f, (s) => records(s) === 1);
    f.sync.receive({ payload: dossier(1) });
    await wait;
    assert.strictEqual(sandbox.records('dossier').length, 1);
  });

  describe("tls-config's client certificate and server name (SNI) reach the connection", () => {
    const { certificate, sniOptions } = require('./support/pki');
    let server;
    let client;
    let seen;
    before(() => {
      server = certificate('btxh.sandbox.test');
      // The p12 also carries the server's certificate as a CA: tls-config gives no separate CA with a p12.
      client = certificate('motcua-tinh-01', 'mat-khau-p12', server.cert);
    });
    beforeEach(async () => {
      seen = { names: [] };
      sandbox = await createSandbox({ port: 0, ...CREDS, tls: sniOptions(server, client, seen) });
    });

    it('PEM certificate and key, the CA, and a server name other than the address', async () => {
      const node = { ...tls(true), servername: server.name };
      const creds = { tls: { certdata: client.cert.toString(), keydata: client.key.toString(), cadata: server.cert.toString() } };
      const f = await loadWith([{ module: tlsNode, node }], sandbox, { tls: 'tls' }, creds);
      const wait = outcome(f, (s) => records(s) === 1);
      f.sync.receive({ payload: dossier(1) });
      await wait;
      assert.strictEqual(sandbox.records('dossier').length, 1);
      assert.ok(seen.names.length >= 1 && seen.names.every((n) => n === server.name), JSON.stringify(seen.names));
    });

    it('a PKCS#12 (p12) certificate opened with its passphrase (Node-RED 5 and later)', async function () {
      // Node-RED 4.1's tls-config has no p12: the option exists from 5.0 (CI runs the suite on both lines).
      if (!/pfx/.test(fs.readFileSync(path.join(core, 'core/network/05-tls.js'), 'utf8'))) {
        console.warn(`\n  !!!!! SKIPPED on Node-RED ${require('node-red/package.json').version}: its tls-config has no PKCS#12 option !!!!!\n`);
        this.skip();
      }
      const node = { ...tls(true), certType: 'pfx', servername: server.name };
      const creds = { tls: { p12data: client.pfx.toString('base64'), passphrase: client.passphrase } };
      const f = await loadWith([{ module: tlsNode, node }], sandbox, { tls: 'tls' }, creds);
      const wait = outcome(f, (s) => records(s) === 1);
      f.sync.receive({ payload: dossier(1) });
      await wait;
      assert.strictEqual(sandbox.records('dossier').length, 1);
      assert.ok(seen.names.every((n) => n === server.name));
    });
  });

  it('goes through the proxy of an http proxy node', async () => {
    sandbox = await createSandbox({ port: 0, ...CREDS });
    const proxy = await connectProxy();
    try {
      const node = { id: 'proxy', type: 'http proxy', url: `http://127.0.0.1:${proxy.address().port}`, noproxy: [] };
      const f = await loadWith([{ module: proxyNode, node }], sandbox, { proxy: 'proxy' }, {});
      const wait = outcome(f, (s) => records(s) === 2);
      f.sync.receive({ payload: [dossier(1), dossier(2)] });
      await wait;
      assert.ok(proxy.tunnels.length >= 1, 'requests went through the proxy');
      assert.ok(proxy.tunnels.every((t) => t === `127.0.0.1:${sandbox.port}`));
    } finally {
      proxy.close();
    }
  });

  describe('the three authentication shapes of D16', () => {
    it('(b) a static AcceptKey in the body, one record per request, under /apiBTXH/', async () => {
      sandbox = await createSandbox({ port: 0, ...CREDS, key: 'khoa-tinh-01' });
      const f = await start({ sandbox, auth: { mode: 'key', pathDossier: '/apiBTXH/DongBoDVC' }, creds: { key: 'khoa-tinh-01' } });
      const wait = outcome(f, (s) => records(s) === 2);
      f.sync.receive({ payload: [dossier(1), dossier(2)] });
      await wait;
      assert.strictEqual(sandbox.records('dossier').length, 2);
      assert.strictEqual(sandbox.stats.tokens, 0, 'no GetToken in this mode');
      assert.ok(sandbox.records('dossier').every((r) => !('AcceptKey' in r.record)));
    });

    it('(c) through an LGSP gateway: Bearer from its token endpoint, and the BTXH token as well', async () => {
      sandbox = await createSandbox({ port: 0, ...CREDS, gateway: { clientId: 'lgsp-tinh', clientSecret: 'lgsp-secret' } });
      const gw = sandbox.url + '/gateway';
      const f = await start({
        sandbox,
        auth: { mode: 'gateway', baseUrl: gw, gatewayTokenUrl: `${gw}/token`, gatewayHeaders: '{"SENDER_CODE": "", "TRAN_CODE": ""}' },
        creds: { ...CREDS, gatewayClientId: 'lgsp-tinh', gatewayClientSecret: 'lgsp-secret' },
      });
      const wait = outcome(f, (s) => records(s) === 1);
      f.sync.receive({ payload: dossier(1) });
      await wait;
      assert.strictEqual(sandbox.records('dossier').length, 1);
      assert.strictEqual(sandbox.stats.tokens, 1);
    });

    it("(c) a gateway's secret headers come from the credentials; one left in the plain list is used and warned about", async () => {
      const key = 'khoa-lgsp-9f3a';
      const lines = [];
      sandbox = await createSandbox({ port: 0, ...CREDS, log: (l) => lines.push(l), gateway: { clientId: 'lgsp-tinh', clientSecret: 'lgsp-secret', headers: { 'X-Api-Key': key } } });
      const gw = sandbox.url + '/gateway';
      const base = { mode: 'gateway', baseUrl: gw, gatewayTokenUrl: `${gw}/token` };
      const gwCreds = { ...CREDS, gatewayClientId: 'lgsp-tinh', gatewayClientSecret: 'lgsp-secret' };
      // in the credentials: delivered, and the flow (what Node-RED saves and exports) never holds the key
      let f = await start({ sandbox, auth: { ...base, gatewayHeaders: '{"SENDER_CODE": "000.00.00.H26"}' }, creds: { ...gwCreds, gatewaySecretHeaders: JSON.stringify({ 'X-Api-Key': key }) } });
      let wait = outcome(f, (s) => records(s) === 1);
      f.sync.receive({ payload: dossier(1) });
      await wait;
      assert.ok(!JSON.stringify(f.flow).includes(key));
      const warned = () => helper.log().args.filter((a) => a[0] && a[0].level === 30 && /exposedHeaders|X-Api-Key/.test(String(a[0].msg)));
      assert.strictEqual(warned().length, 0);
      await helper.unload();
      // without it the gateway refuses: the header really is checked
      f = await start({ sandbox, auth: { ...base, gatewayHeaders: '' }, creds: gwCreds });
      f.sync.receive({ payload: dossier(2) });
      while (!lines.some((l) => /header X-Api-Key missing/.test(l))) await new Promise((r) => setTimeout(r, 20));
      assert.strictEqual(sandbox.records('dossier').length, 1);
      await helper.unload();
      // left in the plain list (an older flow): still sent, and the connection warns that it is exported with the flow
      f = await start({ sandbox, auth: { ...base, gatewayHeaders: JSON.stringify({ 'X-Api-Key': key }) }, creds: gwCreds });
      wait = outcome(f, (s) => records(s) === 1);
      f.sync.receive({ payload: dossier(3) });
      await wait;
      assert.strictEqual(warned().length, 1);
      assert.ok(!String(warned()[0][0].msg).includes(key), 'the warning names the header, never its value');
    });
  });
});
