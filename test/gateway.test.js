'use strict';
// D21 (issue 15, point 3): the provincial gateway variants the deployed peers use, against the
// sandbox's gateway simulator — a WSO2-style token endpoint that takes the client's
// credentials only as HTTP Basic, one that takes them only in the form body, and an
// lgspaccesstoken that must be the Base64 of a JSON object of credentials. Secrets stay in
// the credentials: never in the flow.
const assert = require('assert');
const { helper, createSandbox, start, outcome, records, CREDS } = require('./support/flow');
const { dossier } = require('./support/records');

const CLIENT = { clientId: 'lgsp-tinh', clientSecret: 'lgsp-secret-7f2c' };
const ACCESS = { AccessKey: 'ak-000.00.18.H26', SecretKey: 'sk-9d81c2', AppName: 'motcua-tinh', PartnerCode: '000.00.18.H26', PartnerCodeCus: '000.00.18.H26' };

describe('D21: gateway variants through the sandbox\'s gateway simulator', function () {
  let sandbox;
  let lines;
  beforeEach((done) => {
    lines = [];
    helper.startServer(done);
  });
  afterEach(async () => {
    await helper.unload();
    await new Promise((r) => helper.stopServer(r));
    await sandbox?.close();
  });

  async function send(gateway, auth, creds) {
    sandbox = await createSandbox({ port: 0, ...CREDS, log: (l) => lines.push(l), gateway: { ...CLIENT, ...gateway } });
    const gw = sandbox.url + '/gateway';
    const f = await start({
      sandbox,
      auth: { mode: 'gateway', baseUrl: gw, gatewayTokenUrl: `${gw}/token`, ...auth },
      creds: { ...CREDS, gatewayClientId: CLIENT.clientId, gatewayClientSecret: CLIENT.clientSecret, ...creds },
    });
    return f;
  }

  async function delivered(f) {
    const wait = outcome(f, (s) => records(s) === 1);
    f.sync.receive({ payload: dossier(1) });
    await wait;
    assert.strictEqual(sandbox.records('dossier').length, 1);
  }

  async function refusedWith(f, line) {
    f.sync.receive({ payload: dossier(1) });
    for (let i = 0; !lines.some((l) => line.test(l)); i++) {
      assert.ok(i < 500, `the gateway said ${line}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.strictEqual(sandbox.records('dossier').length, 0);
  }

  it('a WSO2-style token endpoint: client credentials as HTTP Basic, the shipped default', async function () {
    await delivered(await send({ clientAuth: 'basic' }, {}, {}));
  });

  it('a token endpoint that wants the credentials in the form body: the setting says so', async function () {
    await delivered(await send({ clientAuth: 'body' }, { gatewayClientAuth: 'body' }, {}));
  });

  it('the same endpoint refuses Basic: the setting is needed, and nothing is sent without it', async function () {
    await refusedWith(await send({ clientAuth: 'body' }, {}, {}), /client credentials expected in the form body/);
  });

  it('lgspaccesstoken as the Base64 of a JSON object of credentials, kept in the credentials', async function () {
    const f = await send({ accessJson: ACCESS }, { gatewayAccessForm: 'base64json' }, { gatewayAccessToken: JSON.stringify(ACCESS) });
    await delivered(f);
    assert.ok(!JSON.stringify(f.flow).includes(ACCESS.SecretKey), 'no secret in the flow');
  });

  it('the same object sent as typed is refused: the form matters', async function () {
    await refusedWith(await send({ accessJson: ACCESS }, {}, { gatewayAccessToken: JSON.stringify(ACCESS) }), /lgspaccesstoken is not the Base64/);
  });

  it('a Base64 form whose credential is not a JSON object stops the connection with the setting named', async function () {
    const f = await send({ accessJson: ACCESS }, { gatewayAccessForm: 'base64json' }, { gatewayAccessToken: 'not-json' });
    const s = outcome(f, (st) => st.caught.length === 1);
    f.sync.receive({ payload: dossier(1) });
    const { caught } = await s;
    assert.match(caught[0].error.message, /gatewayAccessToken|settingJson/);
    assert.ok(!caught[0].error.message.includes('not-json'), 'the secret is not echoed');
    assert.strictEqual(sandbox.records('dossier').length, 0);
  });
});
