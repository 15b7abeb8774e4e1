'use strict';
// Issue 9 (1, 4): input that is not plain, shallow data is refused field by
// field before any work, and can never end the Node-RED process.
const assert = require('assert');
const { createSandbox } = require('../sandbox/server');
const { redProcess, feedFlow } = require('./support/red-process');
const { helper, start, withRuntime, outcome } = require('./support/flow');
const { dossier } = require('./support/records');
const { inspectShape, boundedCopy, MAX_DEPTH } = require('../lib/normalise/shape');

function nested(levels) {
  let v = 'đáy';
  for (let i = 0; i < levels; i++) v = { a: v };
  return v;
}

describe('hostile input: the shape of a record', function () {
  it('refuses, naming the top-level field: deep nesting, functions, thenables, BigInt, symbols, oversized records; iteratively', function () {
    assert.strictEqual(inspectShape(dossier(1)), undefined);
    assert.deepStrictEqual(inspectShape({ ...dossier(1), GhiChu: nested(MAX_DEPTH) }), { field: 'GhiChu', code: 'tooDeep', params: { max: MAX_DEPTH } });
    assert.strictEqual(inspectShape({ GhiChu: nested(MAX_DEPTH - 2) }), undefined);
    assert.strictEqual(inspectShape({ x: nested(100_000) }).code, 'tooDeep', 'no stack overflow at any depth');
    assert.deepStrictEqual(inspectShape({ HoVaTen: 'A', then: () => undefined }), { field: 'then', code: 'notJson', params: { kind: 'function' } });
    assert.deepStrictEqual(inspectShape({ CMND: 1n }), { field: 'CMND', code: 'notJson', params: { kind: 'bigint' } });
    assert.deepStrictEqual(inspectShape({ a: [{ b: Symbol('x') }] }), { field: 'a', code: 'notJson', params: { kind: 'symbol' } });
    assert.strictEqual(inspectShape({ p: Promise.resolve(1) }).params.kind, 'thenable');
    assert.strictEqual(inspectShape({ HoVaTen: 'x'.repeat(300_000) }).code, 'tooLarge');
    const cycle = { a: {} };
    cycle.a.b = cycle;
    assert.strictEqual(inspectShape(cycle).code, 'tooDeep', 'a cycle is caught by the depth limit');
    assert.strictEqual(inspectShape({ NgaySinh: new Date() }), undefined, 'a Date is data');
    // Reading a value runs user code: a getter or a Proxy trap that throws is refused, not a crash.
    const getter = { ...dossier(1) };
    Object.defineProperty(getter, 'HoVaTen', { enumerable: true, get: () => { throw new Error('boom'); } });
    assert.deepStrictEqual(inspectShape(getter), { field: 'HoVaTen', code: 'notJson', params: { kind: 'unreadable' } });
    assert.strictEqual(boundedCopy(getter).HoVaTen, '[unreadable]');
    const trap = new Proxy({}, { ownKeys: () => { throw new Error('boom'); }, get: () => { throw new Error('boom'); } });
    assert.deepStrictEqual(inspectShape(trap), { field: null, code: 'notJson', params: { kind: 'unreadable' } });
    assert.strictEqual(boundedCopy(trap), '[unreadable]');
    assert.strictEqual(inspectShape({ x: new Proxy({}, { get: () => { throw new Error('boom'); } }) }).params.kind, 'unreadable');
  });

  describe('in the Node-RED runtime', function () {
    const t = withRuntime();
    it('each bad record leaves on output 2 with its field-level error, its neighbours are delivered, done() once per input', async function () {
      const f = await start({ sandbox: t.sandbox });
      const cycle = { ...dossier(9) };
      cycle.self = cycle;
      const bad = [
        { ...dossier(2), then: (resolve) => resolve('never') },
        { ...dossier(3), CMND: 1n },
        { ...dossier(4), GhiChu: nested(40) },
        cycle,
      ];
      const wait = outcome(f, (s) => s.notSent.length === 4 && s.done.length === 1 && s.sent.length === 1);
      f.sync.receive({ payload: [dossier(1), ...bad] });
      const s = await wait;
      const first = s.notSent.slice();
      const wait2 = outcome(f, (x) => x.notSent.length === 1 && x.done.length === 1);
      f.sync.receive({ payload: { ...dossier(5), x: () => 1 } });
      assert.strictEqual((await wait2).notSent[0].btxh.errors[0].field, 'x');
      assert.deepStrictEqual(first.map((m) => [m.btxh.reason, m.btxh.errors[0].code, m.btxh.errors[0].field]), [
        ['invalid', 'notJson', 'then'],
        ['invalid', 'notJson', 'CMND'],
        ['invalid', 'tooDeep', 'GhiChu'],
        ['invalid', 'tooDeep', 'self'],
      ]);
      assert.strictEqual(first[0].payload.then, '[function]', 'output 2 carries a copy that can be cloned and shown');
      assert.strictEqual(t.sandbox.records('dossier').length, 1);
      assert.strictEqual(s.caught.length, 0);
      assert.strictEqual(helper.log().args.filter((a) => a[0] && a[0].level === 20).length, 0, 'no node error');
    });
  });
});

describe('personal ids in the wrong field', function () {
  const t = withRuntime();
  it('are masked in output-2 errors and logs, whatever field they sit in', async function () {
    const f = await start({ sandbox: t.sandbox });
    const ID = '079188012345';
    // A date field refuses it (output 2); an optional gender drops it with a warning (a debug line).
    const wait = outcome(f, (s) => s.notSent.length === 1 && s.done.length === 1);
    f.sync.receive({ payload: [{ ...dossier(1), NgayThangNamSinh: ID }, { ...dossier(2), GioiTinhId: ID }] });
    const s = await wait;
    const text = JSON.stringify(s.notSent.map((m) => m.btxh)) + JSON.stringify(s.sent.map((m) => m.btxh)) + JSON.stringify(helper.log().args);
    assert.ok(text.includes('0791******45'), text.slice(0, 400));
    assert.ok(!text.includes(ID), 'the full id never shows');
  });
});

describe('hostile input on a real Node-RED process: the recommended flow (http in -> sync -> Complete)', function () {
  this.timeout(120_000);
  let sandbox;
  let red;
  before(async function () {
    sandbox = await createSandbox({ port: 0 });
    red = await redProcess({ name: 'hostile', flow: feedFlow({ sandboxUrl: sandbox.url }) });
    await red.start();
  });
  after(async function () {
    if (red) await red.destroy();
    if (sandbox) await sandbox.close();
  });

  it('a field nested 2,000 levels deep in a 14 KB body: answered, refused on output 2, the process lives on', async function () {
    const body = [{ ...dossier(1), GhiChu: nested(2000) }];
    assert.ok(JSON.stringify(body).length < 20_000);
    const r = await red.feed(body);
    assert.strictEqual(r.status, 200, JSON.stringify(r.body));
    assert.ok(red.running, 'Node-RED is still running');
    const ok = await red.feed([dossier(2)]);
    assert.strictEqual(ok.status, 200);
    const ev = red.readEvents();
    const out2 = ev.filter((e) => e.out === 2);
    assert.strictEqual(out2.length, 1);
    assert.strictEqual(out2[0].errors[0].code, 'tooDeep');
    assert.strictEqual(out2[0].errors[0].field, 'GhiChu');
    assert.doesNotMatch(red.tail(20_000), /Maximum call stack|Uncaught|unhandled/i);
  });
});

describe('keys from the data that name Object.prototype', function () {
  const { prepareMapped } = require('../lib/mapping');
  const fields = require('../lib/fields');
  it('"__proto__", "constructor", "toString" as values are unknown names, never a crash or a function', function () {
    for (const v of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', '{{constructor}}', 'Công an constructor']) {
      const r = prepareMapped(fields.dossier, { ...dossier(1), CMND_NoiCap: v, MaTTHC: v }, {});
      assert.ok(r.errors.every((p) => typeof p.code === 'string'), v);
      assert.ok(!r.record || r.record.CMND_NoiCap === undefined, `${v}: no issuing place invented`);
    }
    const t = prepareMapped(fields.dossier, { ...dossier(1), MaTinh: 'constructor', NOHT_MaTinh: '__proto__' }, {});
    assert.strictEqual(t.record, null);
  });
  it('an own "__proto__" key (as JSON.parse makes it) gives the record no inherited fields', function () {
    const input = JSON.parse(JSON.stringify(dossier(1)).replace('{', '{"__proto__": {"Email": "ke-gian@example.vn", "HKTT_ChiTiet": "injected"},'));
    const r = prepareMapped(fields.dossier, input, {});
    assert.ok(r.record, JSON.stringify(r.errors));
    assert.strictEqual(r.record.Email, undefined);
    assert.strictEqual(r.record.HKTT_ChiTiet, undefined);
    assert.strictEqual(Object.getPrototypeOf(r.record), Object.prototype);
  });
});
