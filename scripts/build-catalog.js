#!/usr/bin/env node
'use strict';
/**
 * Builds the compact catalogue the runtime loads (data/catalog/*.json) from the
 * read-only reference material, so an installed package never needs ../shared.
 *
 *   node scripts/build-catalog.js [sharedDir]     (default: ../shared from the repo root)
 *
 * Plain Node, no dependencies. Every count and trap the data README warns about
 * is checked here: a source that drifts fails the build instead of shipping.
 */
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const shared = path.resolve(root, process.argv[2] || '../shared');
const out = path.join(root, 'data', 'catalog');

function read(rel) {
  // Cap-xa.csv is not NFC: normalise everything once, here, so names compare byte-wise.
  return fs.readFileSync(path.join(shared, rel), 'utf8').replace(/^\uFEFF/, '').normalize('NFC');
}

/** RFC 4180 reader: quoted cells may hold commas and newlines (Cap-xa.csv does). */
function csv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') { cell += '"'; i++; } else quoted = false;
      } else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(cell); cell = ''; }
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(cell); rows.push(row); row = []; cell = '';
    } else cell += ch;
  }
  if (cell !== '' || row.length) { row.push(cell); rows.push(row); }
  // Cells carry stray spaces and embedded newlines: one clean form for every name.
  return rows.map((r) => r.map((c) => c.replace(/\s+/g, ' ').trim())).filter((r) => r.some((c) => c !== ''));
}

function check(cond, what) {
  if (!cond) throw new Error('build-catalog: ' + what);
}

/** Name without its administrative prefix, for comparing names across sources. */
function bare(name) {
  return name.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[đĐ]/g, 'd').toLowerCase()
    .replace(/^(tinh|thanh pho|tp)\s+/, '').replace(/[^a-z0-9]+/g, ' ').trim();
}

// ---- seed catalogues -------------------------------------------------------
const ethnicity = csv(read('spec/catalogs/ethnicity.csv')).slice(1).map(([id, name, gso]) => [id, gso, name]);
check(ethnicity.length === 54, 'expected 54 ethnic groups, got ' + ethnicity.length);

const gender = csv(read('spec/catalogs/gender.csv')).slice(1).map(([id, name]) => [id, name]);
check(gender.length === 2, 'expected 2 genders');

const issuingPlaces = csv(read('spec/catalogs/id-issuing-places.csv')).slice(1).map(([id, name]) => [id, name]);
check(issuingPlaces.length === 62, 'expected 62 issuing places, got ' + issuingPlaces.length);
check(!issuingPlaces.some(([id]) => id === '1246'), 'id 1246 is absent in the seed (D12)');

// D6: the seed writes 2.0000286; the national TTHC database writes 2.000286.
const procedures = csv(read('spec/catalogs/procedures.csv')).slice(1).map(([seedCode, level, name]) => [
  seedCode.replace(/^(\d+)\.0000(\d{3})$/, '$1.000$2'),
  seedCode,
  level,
  name.replace(/thõi hưởng/g, 'thôi hưởng'),
]);
check(procedures.length === 11, 'expected 11 procedures');
check(procedures.some((p) => p[0] === '2.000286' && p[1] === '2.0000286'), 'D6 national code of 2.0000286');

// ---- pre-2025 units --------------------------------------------------------
const preRows = csv(read('data/admin-units/pre-2025/Xa_2025-01-04.csv'));
check(preRows[0][1] === 'Mã TP' && preRows[0][5] === 'Mã PX', 'unexpected pre-2025 header');
const preProvinces = new Map();
const preDistricts = new Map();
const preCommunes = new Map();
let islands = 0;
for (const [pName, pCode, dName, dCode, cName, cCode] of preRows.slice(1)) {
  check(/^\d{2}$/.test(pCode) && /^\d{3}$/.test(dCode), 'bad pre-2025 code ' + pCode + '/' + dCode);
  if (!preProvinces.has(pCode)) preProvinces.set(pCode, [pCode, pName]);
  if (!preDistricts.has(dCode)) preDistricts.set(dCode, [dCode, dName, pCode]);
  check(preDistricts.get(dCode)[2] === pCode, 'district ' + dCode + ' in two provinces');
  if (cCode === '') { islands++; continue; } // island district with no commune
  check(/^\d{5}$/.test(cCode) && !preCommunes.has(cCode), 'bad or repeated commune ' + cCode);
  preCommunes.set(cCode, [cCode, cName, dCode]);
}
check(preProvinces.size === 63 && preDistricts.size === 696 && preCommunes.size === 10051,
  `pre-2025 counts ${preProvinces.size}/${preDistricts.size}/${preCommunes.size}`);
check(islands === 5, 'expected 5 island districts with no commune');

// ---- 2025 units ------------------------------------------------------------
// Cap-tinh.csv writes "Cao Bằng" where the separator rows of Cap-xa.csv write
// "TỈNH CAO BẰNG": ship the full official form, as the pre-2025 names are.
const newProvinces = new Map();
for (const [code, name] of csv(read('data/admin-units/post-2025/Cap-tinh.csv'))) {
  check(/^\d{2}$/.test(code), 'bad 2025 province ' + code);
  newProvinces.set(code, [code, /^(Thành phố|Tỉnh) /.test(name) ? name : 'Tỉnh ' + name]);
}
check(newProvinces.size === 34, 'expected 34 new provinces');
for (const [, code, name] of csv(read('data/admin-units/mapping/915_CTK-CSCL.csv')).slice(1)) {
  check(newProvinces.has(code) && bare(newProvinces.get(code)[1]) === bare(name), '915/CTK-CSCL disagrees on ' + code);
}
// The 2025 commune list comes from the dvhcvn mapping (merges.json), not from
// Cap-xa.csv: Cap-xa.csv is the DRAFT decision and gives other codes to about a
// hundred wards and communes (Phường Láng: 00187 there, 00199 in the mapping),
// so a catalogue built from it could not resolve the mapping's own answers.
// Cap-xa.csv is still read, as a cross-check: every difference is reported.
const splits = JSON.parse(read('data/admin-units/mapping/splits.json')).data;
const merges = JSON.parse(read('data/admin-units/mapping/merges.json')).data;
const newCommunes = new Map();
for (const p of merges) {
  check(newProvinces.has(p.level1_id), 'merges names unknown province ' + p.level1_id);
  for (const c of p.level2s) {
    check(/^\d{5}$/.test(c.level2_id) && !newCommunes.has(c.level2_id), 'bad or repeated 2025 commune ' + c.level2_id);
    newCommunes.set(c.level2_id, [c.level2_id, c.name.replace(/\s+/g, ' ').trim(), p.level1_id]);
  }
}
check(newCommunes.size === 3321, 'expected 3,321 new communes, got ' + newCommunes.size);
check(newCommunes.get('23737')?.[1] === 'Xã Ia Mơ' && newCommunes.get('23737')[2] === '52', 'Xã Ia Mơ must be 23737 (Gia Lai)');

const byBare = new Map([...newProvinces.values()].map(([code, name]) => [bare(name), code]));
const draft = new Map();
let current = null;
for (const [code, name] of csv(read('data/admin-units/post-2025/Cap-xa.csv'))) {
  if (code === '') { // separator row: ", TỈNH CAO BẰNG,Tỉnh Cao Bằng,"
    current = byBare.get(bare(name));
    check(current, 'unknown province separator ' + name);
    continue;
  }
  check(current && /^\d{5}$/.test(code) && !draft.has(code), 'bad or repeated draft commune ' + code);
  draft.set(code, [code, name, current]);
}
check(draft.size === 3321, 'Cap-xa.csv: expected 3,321 communes, got ' + draft.size);
check(draft.get('23737')?.[1] === 'Xã Ia Mơ', 'Cap-xa.csv: Xã Ia Mơ must be 23737');
const draftOnly = [...draft.values()].filter(([code]) => !newCommunes.has(code));
const mappingOnly = [...newCommunes.values()].filter(([code]) => !draft.has(code));
const renamed = [...newCommunes.values()].filter(([code, name]) => draft.has(code) && bare(draft.get(code)[1]) !== bare(name));

// ---- mapping (dvhcvn, MIT) -------------------------------------------------
const provinceToNew = {};
const communeToNew = {};
const dropped = [];
let splitCount = 0;
for (const p of splits) {
  check(preProvinces.has(p.level1_id) && p.splits.length === 1 && newProvinces.has(p.splits[0].new_id), 'province mapping ' + p.level1_id);
  provinceToNew[p.level1_id] = p.splits[0].new_id;
  for (const c of p.level3s) {
    // A commune cannot leave the new province its old province went to: the
    // mapping has one such pair (An Giang's Xã Tân Phú 30622 -> Đồng Tháp's
    // Xã Tân Phú Trung, a name mix-up with Đồng Tháp's own Xã Tân Phú 30274).
    // Drop it, and say so, rather than ship a wrong answer.
    const ids = [];
    for (const { new_id: id } of c.splits) {
      check(newCommunes.has(id), `old ${c.level3_id} -> unknown ${id}`);
      if (newCommunes.get(id)[2] === p.splits[0].new_id) ids.push(id);
      else dropped.push([c.level3_id, c.name, id, newCommunes.get(id)[1]]);
    }
    if (ids.length === 0) continue;
    // 1:1 as a string, a split as an array: most entries stay short.
    communeToNew[c.level3_id] = ids.length === 1 ? ids[0] : ids;
    if (ids.length > 1) splitCount++;
  }
}
// Corrections from official texts, applied over the mapping: [old code, new code, the text that says so].
const CORRECTIONS = [
  ['30622', '30604', 'Nghị quyết 1654/NQ-UBTVQH15 Điều 1 khoản 31 (An Giang): thị trấn Vĩnh Bình, xã Tân Phú và xã Vĩnh An nhập thành xã Vĩnh An'],
];
for (const [from, to, text] of CORRECTIONS) {
  check(preCommunes.has(from) && newCommunes.has(to) && !(from in communeToNew), `correction ${from} -> ${to} (${text})`);
  communeToNew[from] = to;
}
check(Object.keys(provinceToNew).length === 63, '63 old provinces mapped');
check(splitCount === 460, 'expected 460 split communes, got ' + splitCount);
const unmapped = [...preCommunes.keys()].filter((c) => !(c in communeToNew));
const extraOld = Object.keys(communeToNew).filter((c) => !preCommunes.has(c));

// NEW -> OLD: keep only what the runtime needs, the one old district a new
// commune comes from (MaHuyen when the connection sends 2025 codes).
const oldDistrict = {};
let newSeen = 0;
for (const p of merges) {
  for (const c of p.level2s) {
    newSeen++;
    const districts = new Set();
    for (const o of c.merges) {
      if (dropped.some(([from, , to]) => from === o.old_id && to === c.level2_id)) continue;
      if (o.old_id.length === 3) districts.add(o.old_id); // island district -> special zone
      else districts.add(preCommunes.get(o.old_id)?.[2] ?? '?'); // '?': code unknown before 2025
      // merges and splits must tell the same story.
      if (o.old_id.length === 5) {
        const to = [].concat(communeToNew[o.old_id] || []);
        check(to.includes(c.level2_id), `merges ${c.level2_id} <- ${o.old_id} not in splits`);
      }
    }
    if (districts.size === 1 && !districts.has('?')) oldDistrict[c.level2_id] = [...districts][0];
  }
}
check(newSeen === 3321, 'merges covers 3,321 new communes');

// ---- write -----------------------------------------------------------------
fs.mkdirSync(out, { recursive: true });
const write = (name, value) => fs.writeFileSync(path.join(out, name), JSON.stringify(value) + '\n');
write('seed.json', { ethnicity, gender, issuingPlaces, procedures });
write('units-pre-2025.json', {
  provinces: [...preProvinces.values()],
  districts: [...preDistricts.values()],
  communes: [...preCommunes.values()],
});
write('units-2025.json', { provinces: [...newProvinces.values()], communes: [...newCommunes.values()] });
// Old communes with no 2025 commune: said so, with why, rather than "not found".
const noSuccessor = Object.fromEntries(unmapped.map((c) => [c, 'the reference mapping (dvhcvn) gives no 2025 commune for this code, and no official text read for this package names one']));
write('mapping.json', { provinces: provinceToNew, communes: communeToNew, oldDistrict, noSuccessor });
fs.copyFileSync(path.join(shared, 'data/admin-units/mapping/LICENSE'), path.join(out, 'LICENSE-dvhcvn-mapping'));
// What the shipped 2025 list does not take from the draft, for a human to review.
const line = ([code, name, province]) => `| ${code} | ${name} | ${province} |`;
fs.writeFileSync(path.join(out, 'DATA-NOTES.md'), `# Data notes: where the sources disagree

Generated by scripts/build-catalog.js; see PROVENANCE.md for the decisions.

## Mapping pairs dropped (the new commune lies in another new province): ${dropped.length}
| old code | old name | new code | new name |
|---|---|---|---|
${dropped.map((d) => '| ' + d.join(' | ') + ' |').join('\n')}

## Corrections from official texts (applied over the mapping): ${CORRECTIONS.length}
| old code | old name | new code | new name | text |
|---|---|---|---|---|
${CORRECTIONS.map(([from, to, text]) => `| ${from} | ${preCommunes.get(from)[1]} | ${to} | ${newCommunes.get(to)[1]} | ${text} |`).join('\n')}

The other old communes the mapping does not know (below) have no successor in the
package: a look-up converting one answers \`noSuccessor\` with this reason, never a guess.

# 2025 communes: mapping (shipped) vs draft list (Cap-xa.csv)
The catalogue ships the codes of the dvhcvn mapping; these are the rows where
the draft list differs.

## Codes only in the mapping (shipped): ${mappingOnly.length}
| code | name | province |
|---|---|---|
${mappingOnly.map(line).join('\n')}

## Codes only in the draft (not shipped): ${draftOnly.length}
| code | name | province |
|---|---|---|
${draftOnly.map(line).join('\n')}

## Same code, another name in the draft: ${renamed.length}
| code | shipped name | draft name |
|---|---|---|
${renamed.map(([code, name]) => `| ${code} | ${name} | ${draft.get(code)[1]} |`).join('\n')}

## Pre-2025 communes the mapping does not know: ${unmapped.length}
(their old → new conversion answers nothing; the mapping uses later codes for them)
| code | name | district |
|---|---|---|
${unmapped.map((c) => line(preCommunes.get(c))).join('\n')}

## Old codes in the mapping absent from the pre-2025 list: ${extraOld.length}
${extraOld.join(', ')}
`);

console.log(`catalogue written to ${path.relative(root, out)}:
  54 ethnic groups, 2 genders, ${issuingPlaces.length} issuing places, ${procedures.length} procedures
  pre-2025: ${preProvinces.size} provinces, ${preDistricts.size} districts, ${preCommunes.size} communes
  2025: ${newProvinces.size} provinces, ${newCommunes.size} communes
  mapping: ${Object.keys(communeToNew).length} old communes (${splitCount} split), ${Object.keys(oldDistrict).length} new communes with one old district
  pre-2025 communes absent from the mapping: ${unmapped.join(' ') || 'none'}
  mapping codes absent from the pre-2025 list: ${extraOld.join(' ') || 'none'}
  draft list (Cap-xa.csv) vs mapping: ${draftOnly.length} codes only in the draft, ${mappingOnly.length} only in the mapping, ${renamed.length} renamed`);
