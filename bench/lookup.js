#!/usr/bin/env node
'use strict';
/**
 * Speed of the catalogue: median ns per call of code lookups and of name
 * search over all communes. Build first (`npx tsc -p .`), then
 * `node bench/lookup.js`. Prints a table; writes nothing.
 *
 * Each case runs in batches (many calls timed together, so the timer's own
 * cost vanishes); the median of the batches is reported, which shrugs off GC
 * pauses and JIT warm-up.
 */
const t0 = process.hrtime.bigint();
const { ethnicity, units } = require('../lib/catalog');
const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;
const t1 = process.hrtime.bigint();
units.search('commune', 'Phúc Xá', 'pre-2025'); // builds the pre-2025 commune name index
const firstSearchMs = Number(process.hrtime.bigint() - t1) / 1e6;

let sink = 0; // keeps results alive so the JIT cannot drop the calls

function bench(name, inputs, fn, { batches = 41, perBatch } = {}) {
  const n = perBatch ?? inputs.length;
  for (let i = 0; i < n; i++) sink += fn(inputs[i % inputs.length]) ? 1 : 0; // warm-up
  const times = [];
  for (let b = 0; b < batches; b++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) sink += fn(inputs[i % inputs.length]) ? 1 : 0;
    times.push(Number(process.hrtime.bigint() - start) / n);
  }
  times.sort((a, b) => a - b);
  return { name, calls: batches * n, median: times[times.length >> 1], p90: times[Math.floor(times.length * 0.9)] };
}

const preCodes = units.all('commune', 'pre-2025').map((u) => u.code);
const newCodes = units.all('commune', '2025').map((u) => u.code);
const preNames = units.all('commune', 'pre-2025').map((u) => u.name);
const ids = ethnicity.all().map((e) => e.id);
const gsos = ethnicity.all().map((e) => '0' + e.gso);

const rows = [
  bench('ethnicity.find(id)', ids, (x) => ethnicity.find(x, 'id'), { perBatch: 100000 }),
  bench('ethnicity.find(gso "01")', gsos, (x) => ethnicity.find(x, 'gso'), { perBatch: 100000 }),
  bench('ethnicity.find(name)', ethnicity.all().map((e) => e.name), (x) => ethnicity.find(x), { perBatch: 100000 }),
  bench('units.commune(code, pre-2025)', preCodes, (x) => units.commune(x, 'pre-2025'), { perBatch: 100000 }),
  bench('units.commune(code, 2025)', newCodes, (x) => units.commune(x, '2025'), { perBatch: 100000 }),
  bench('units.commune(number, pre-2025)', preCodes.map(Number), (x) => units.commune(x, 'pre-2025'), { perBatch: 100000 }),
  bench('units.toNew(code)', preCodes, (x) => units.toNew(x).length, { perBatch: 100000 }),
  bench('search commune, exact name (all 10,051)', preNames, (x) => units.search('commune', x, 'pre-2025').length, { perBatch: 2000, batches: 21 }),
  bench('search commune, no diacritics', preNames.map((s) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '')), (x) => units.search('commune', x, 'pre-2025').length, { perBatch: 2000, batches: 21 }),
  bench('search commune, prefix "Tân P"', ['Tân P'], (x) => units.search('commune', x, 'pre-2025').length, { perBatch: 2000, batches: 21 }),
  bench('search commune, miss', ['Không có nơi này'], (x) => units.search('commune', x, 'pre-2025').length, { perBatch: 2000, batches: 21 }),
  bench('search commune within district', units.all('commune', 'pre-2025').map((u) => [u.name, u.district]), ([n, d]) => units.search('commune', n, 'pre-2025', { district: d }).length, { perBatch: 2000, batches: 21 }),
];

const fmt = (ns) => (ns >= 1000 ? (ns / 1000).toFixed(1) + ' µs' : ns.toFixed(0) + ' ns');
console.log(`node ${process.version}: require ${loadMs.toFixed(0)} ms; first commune search ${firstSearchMs.toFixed(0)} ms (builds the name index once)\n`);
console.log('case'.padEnd(44) + 'median'.padStart(10) + 'p90'.padStart(10) + 'calls'.padStart(10));
for (const r of rows) console.log(r.name.padEnd(44) + fmt(r.median).padStart(10) + fmt(r.p90).padStart(10) + String(r.calls).padStart(10));
if (sink < 0) console.log(sink);
