'use strict';
// The objects prepare builds are laid out once per field table (src/lib/normalise/layout.ts):
// a wire record keeps the table's order, omits what is absent, and stays an object V8 reads
// at fixed offsets — built key by key, a record of more than 16 fields became a hash table.
const assert = require('assert');
const { spawnSync } = require('child_process');
const path = require('path');
const { operation } = require('../lib/fields');
const { layout } = require('../lib/normalise/layout');

describe('wire records laid out once per field table (issue 11)', function () {
  it('blank has every field, undefined; wire keeps the defined ones in table order, whatever order they were set in', function () {
    const op = operation('dossier');
    const { blank, wire } = layout(op);
    const out = blank();
    assert.deepStrictEqual(Object.keys(out), op.fields.map((f) => f.name));
    assert.ok(Object.values(out).every((v) => v === undefined));
    // Set in reverse, one left blank and one set back to undefined (a date a later check refused).
    const names = op.fields.map((f) => f.name);
    for (const n of [...names].reverse()) out[n] = `v-${n}`;
    out.Email = undefined;
    out.CMND_NgayCap = undefined;
    const r = wire(out);
    assert.deepStrictEqual(Object.keys(r), names.filter((n) => n !== 'Email' && n !== 'CMND_NgayCap'));
    assert.strictEqual(r.HoVaTen, 'v-HoVaTen');
    // null and '' are values (an optional field sent blank), not absence.
    out.Email = '';
    out.HKTT_MaThon = null;
    assert.ok('Email' in wire(out) && wire(out).HKTT_MaThon === null);
    assert.strictEqual(layout(op), layout(op), 'made once per table');
  });

  it('every operation\'s prepared record is an object with fast properties (V8), as its input was', function () {
    const script = `
      const messy = require(${JSON.stringify(path.join(__dirname, 'support/messy'))});
      const { prepare } = require(${JSON.stringify(path.join(__dirname, '../lib/normalise'))});
      const { operation } = require(${JSON.stringify(path.join(__dirname, '../lib/fields'))});
      const out = {};
      for (const id of ['dossier', 'progress', 'decision']) {
        const op = operation(id);
        const r = prepare(op, messy[id](7)).record;
        // Every field of the table, set key by key as prepare did before.
        const keyed = {};
        for (const f of op.fields) keyed[f.name] = r[f.name] ?? '';
        out[id] = { fields: op.fields.length, fast: %HasFastProperties(r), keyedFast: %HasFastProperties(keyed) };
      }
      console.log(JSON.stringify(out));`;
    const run = spawnSync(process.execPath, ['--allow-natives-syntax', '-e', script], { encoding: 'utf8' });
    assert.strictEqual(run.status, 0, run.stderr);
    const got = JSON.parse(run.stdout);
    for (const id of ['dossier', 'progress', 'decision']) assert.strictEqual(got[id].fast, true, `${id}: ${JSON.stringify(got[id])}`);
    // What the test guards against: the same dossier built key by key is a hash table.
    assert.ok(got.dossier.fields > 16 && got.dossier.keyedFast === false, JSON.stringify(got.dossier));
  });
});
