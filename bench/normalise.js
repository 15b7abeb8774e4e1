#!/usr/bin/env node
'use strict';
/**
 * Per-record cost of normalise + validate (`prepare`), one core, no I/O: the
 * messy records of test/support/messy.js (aliases, decomposed names, dates in
 * six shapes spread over 85 years, codes as numbers and dotted paths, grouped
 * ids, extra columns), the same records already in wire form, and the wire
 * check alone (ajv + value checks, what the sandbox runs). Not a test: build
 * first (`npm run build`), then `node bench/normalise.js [records, default 100000]`.
 * Each figure is the median of 5 timed passes after 2 warm-up passes.
 */
const { machine } = require('./support/machine');
const messy = require('../test/support/messy');
const { prepare } = require('../lib/normalise');
const { inspectWire } = require('../lib/schema');
const { operation } = require('../lib/fields');

const N = Number(process.argv[2] || 100_000);
const PASSES = 5;

function rate(records, fn) {
  for (let w = 0; w < 2; w++) for (const r of records) fn(r);
  const runs = [];
  for (let p = 0; p < PASSES; p++) {
    const t = process.hrtime.bigint();
    for (const r of records) fn(r);
    runs.push(records.length / (Number(process.hrtime.bigint() - t) / 1e9));
  }
  runs.sort((a, b) => a - b);
  return runs[PASSES >> 1];
}

const rows = [];
for (const id of ['dossier', 'progress', 'decision']) {
  const op = operation(id);
  const inputs = Array.from({ length: N }, (_, i) => messy[id](i));
  const wire = inputs.map((r) => {
    const p = prepare(op, r);
    if (!p.record) throw new Error(`${id} ${JSON.stringify(p.errors)}`);
    return p.record;
  });
  rows.push([id, 'messy input → wire (prepare)', rate(inputs, (r) => prepare(op, r))]);
  rows.push([id, 'wire input → wire (prepare)', rate(wire, (r) => prepare(op, r))]);
  rows.push([id, 'wire check alone (ajv + values)', rate(wire, (r) => inspectWire(op, r))]);
}

console.log(`normalise + validate, ${N.toLocaleString('en')} records, one core, median of ${PASSES} — ${machine()}`);
console.log('| operation | what | records/s | µs per record |');
console.log('|---|---|---:|---:|');
for (const [id, what, r] of rows) console.log(`| ${id} | ${what} | ${Math.round(r).toLocaleString('en')} | ${(1e6 / r).toFixed(1)} |`);
