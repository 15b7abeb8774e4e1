'use strict';
const assert = require('assert');
const helper = require('node-red-node-test-helper');
const lookupNode = require('../nodes/btxh-lookup.js');

helper.init(require.resolve('node-red'));

function flow(props = {}) {
  return [
    { id: 'f1', type: 'tab' },
    { id: 'l', z: 'f1', x: 10, y: 10, type: 'btxh-lookup', name: '', action: '', property: 'payload', wires: [['out']], ...props },
    { id: 'out', z: 'f1', x: 10, y: 10, type: 'helper' },
  ];
}

function ask(msg) {
  return new Promise((resolve) => {
    helper.getNode('out').once('input', resolve);
    helper.getNode('l').receive(msg);
  });
}

describe('btxh-lookup (Node-RED runtime)', function () {
  before((done) => {
    helper.startServer(done);
  });
  after((done) => {
    helper.stopServer(done);
  });
  afterEach(() => helper.unload());

  it('"Answer in" is a message property path: btxh.lookup is msg.btxh.lookup, other properties kept', async () => {
    await helper.load(lookupNode, flow({ property: 'btxh.lookup' }));
    const msg = await ask({ payload: { catalog: 'gender', code: 'nu' }, btxh: { row: 7 } });
    assert.strictEqual(msg.btxh.lookup.match.id, '1035');
    assert.strictEqual(msg.btxh.row, 7);
    assert.strictEqual(msg['btxh.lookup'], undefined, 'no flat key');
  });

  describe('unconfigured: answers requests in msg.payload', () => {
    beforeEach(() => helper.load(lookupNode, flow()));

    const cases = [
      [{ catalog: 'ethnicity', name: 'tay' }, (a) => a.match.id === '30' && a.match.name === 'Tày'],
      [{ catalog: 'ethnicity', code: '01', ethnicityCode: 'gso' }, (a) => a.match.id === '29'],
      [{ catalog: 'gender', code: 'nu' }, (a) => a.match.id === '1035'],
      [{ catalog: 'issuingPlace', name: 'Công an tỉnh Thanh Hóa' }, (a) => a.match.id === '1219'],
      [{ catalog: 'procedure', code: '2.0000282' }, (a) => a.match.code === '2.000282'],
      [{ catalog: 'status', code: '10' }, (a) => a.match.id === 10 && a.match.name === 'Đã trả kết quả'],
      [{ catalog: 'status', name: 'dang xu ly' }, (a) => a.match.id === 4],
      [{ catalog: 'status', code: 11 }, (a) => a.reason === 'notFound'],
      [{ catalog: 'province', code: '82' }, (a) => a.match.name.includes('Tiền Giang')],
      [{ catalog: 'province', code: '82', codeSet: '2025' }, (a) => a.match.name.includes('Đồng Tháp')],
      [{ catalog: 'commune', name: 'Phường Trúc Bạch', within: { province: '01' } }, (a) => a.match.code === '00004'],
      [{ catalog: 'commune', code: '23737', codeSet: '2025' }, (a) => /Ia Mơ/.test(a.match.name)],
      [{ catalog: 'district', name: 'Ba Đình' }, (a) => a.match.code === '001'],
      [{ catalog: 'commune', name: 'Không Có Xã Này' }, (a) => a.reason === 'notFound' && a.candidates.length === 0],
      [{ catalog: 'nonsense', code: '1' }, (a) => a.reason === 'badRequest'],
      ['not an object', (a) => a.reason === 'badRequest'],
    ];
    for (const [req, ok] of cases) {
      it(`answers ${JSON.stringify(req)}`, async () => {
        const msg = await ask({ payload: req });
        assert.ok(ok(msg.payload), JSON.stringify(msg.payload).slice(0, 400));
      });
    }

    it('says "ambiguous" with candidates when a name matches several units', async () => {
      const msg = await ask({ payload: { catalog: 'commune', name: 'Phường 1' } });
      assert.strictEqual(msg.payload.reason, 'ambiguous');
      assert.ok(msg.payload.candidates.length > 1);
    });

    it('converts an old commune split into several new ones without picking one', async () => {
      const { units } = require('../lib/catalog');
      const split = units.all('commune', 'pre-2025').find((u) => units.toNew(u.code).length > 1);
      const msg = await ask({ payload: { catalog: 'commune', code: split.code, convert: '2025' } });
      assert.strictEqual(msg.payload.reason, 'split');
      assert.strictEqual(msg.payload.match, undefined);
      assert.strictEqual(msg.payload.candidates.length, units.toNew(split.code).length);
    });
  });

  describe('configured through TypedInputs', () => {
    it('finds by code from a msg property', async () => {
      await helper.load(lookupNode, flow({ action: 'find', catalog: 'commune', codeSet: 'pre-2025', value: 'row.xa', valueType: 'msg' }));
      const msg = await ask({ row: { xa: 4 }, payload: 'kept?' });
      assert.strictEqual(msg.payload.match.code, '00004');
    });

    it('searches by name within a province given by JSONata', async () => {
      await helper.load(
        lookupNode,
        flow({ action: 'search', catalog: 'commune', codeSet: 'pre-2025', value: 'payload.ten', valueType: 'msg', province: '"0" & $string(payload.tinh)', provinceType: 'jsonata', property: 'btxh' }),
      );
      const msg = await ask({ payload: { ten: 'Trúc Bạch', tinh: 1 } });
      assert.strictEqual(msg.btxh.match.code, '00004');
      assert.deepStrictEqual(msg.payload, { ten: 'Trúc Bạch', tinh: 1 }, 'the answer goes where it is told');
    });

    it('checks that a commune belongs to its district and province', async () => {
      await helper.load(
        lookupNode,
        flow({ action: 'check', codeSet: 'pre-2025', value: 'payload.MaXa', valueType: 'msg', province: 'payload.MaTinh', provinceType: 'msg', district: 'payload.MaHuyen', districtType: 'msg' }),
      );
      let msg = await ask({ payload: { MaTinh: '01', MaHuyen: '001', MaXa: '00004' } });
      assert.strictEqual(msg.payload.ok, true);
      msg = await ask({ payload: { MaTinh: '02', MaHuyen: '024', MaXa: '00004' } });
      assert.strictEqual(msg.payload.ok, false);
      assert.strictEqual(msg.payload.reason, 'notInParent');
    });

    it('converts an old commune to its new one', async () => {
      await helper.load(lookupNode, flow({ action: 'convert', value: 'payload', valueType: 'msg' }));
      const msg = await ask({ payload: '00004' });
      assert.ok(msg.payload.match || msg.payload.candidates, JSON.stringify(msg.payload));
      if (msg.payload.match) assert.strictEqual(msg.payload.match.set, '2025');
    });
  });

  it('serves the same look-ups to the editor', async () => {
    await helper.load(lookupNode, flow());
    const res = await helper.request().get('/btxh/lookup').query({ catalog: 'province', name: 'TP HCM' }).expect(200);
    assert.strictEqual(res.body.match.code, '79');
    await helper.request().get('/btxh/lookup').query({ catalog: 'bad' }).expect(400);
  });
});

describe('btxh-lookup in the editor: the label of an unnamed node', function () {
  const fs = require('fs');
  const vm = require('vm');
  const path = require('path');
  const html = fs.readFileSync(path.join(__dirname, '..', 'nodes', 'btxh-lookup.html'), 'utf8');
  const script = /<script type="text\/javascript">([\s\S]*?)<\/script>/.exec(html)[1];
  let def;
  vm.runInNewContext(script, { RED: { nodes: { registerType: (t, d) => (def = d) }, _: (k) => k }, $: () => ({}) });
  for (const lang of ['en-US', 'vi']) {
    const messages = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'nodes', 'locales', lang, 'btxh-lookup.json'), 'utf8'));
    // As i18next answers: the text, or its complaint when the key names a group of texts.
    const _ = (key) => {
      const v = key.split('.').reduce((o, k) => (o && typeof o === 'object' ? o[k] : undefined), messages);
      return typeof v === 'string' ? v : `key '${key} (${lang})' returned an object instead of string.`;
    };
    it(`${lang}: says what the node does, never an i18next complaint`, function () {
      for (const node of [{ action: '' }, { action: 'search', catalog: 'commune' }, { action: 'find', catalog: 'ethnicity' }, { action: 'check', catalog: 'commune' }, { action: 'convert', catalog: 'commune' }]) {
        const label = def.label.call({ name: '', ...node, _ });
        assert.ok(label && !/returned an object|undefined/.test(label), `${JSON.stringify(node)} -> ${label}`);
      }
      assert.strictEqual(def.label.call({ name: 'Mã xã', action: 'search', _ }), 'Mã xã');
    });
  }
});
