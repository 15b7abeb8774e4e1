'use strict';
// Every problem code the code can raise has a message in English and in
// Vietnamese, in the one place messages live: btxh-auth's locale files.
const assert = require('assert');
const fs = require('fs');
const path = require('path');

const ROOT = path.join(__dirname, '..');
const messages = (lang) => JSON.parse(fs.readFileSync(path.join(ROOT, 'nodes', 'locales', lang, 'btxh-auth.json'), 'utf8'))['btxh-auth'].errors;

function sources(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Codes written where a Problem is made: problem(field, 'code'), report.error/warn/flag(…, 'code'), { code: 'code' }. */
function raisedCodes() {
  const found = new Set();
  const patterns = [
    /\bproblem\(\s*[^,()]+,\s*'([a-zA-Z]+)'/g,
    /\breport\.(?:error|warn|flag)\((?:[^,()]+,\s*){1,2}'([a-zA-Z]+)'/g,
    /\bcode:\s*'([a-zA-Z]+)'/g,
  ];
  for (const file of sources(path.join(ROOT, 'src'))) {
    const text = fs.readFileSync(file, 'utf8');
    for (const re of patterns) for (const m of text.matchAll(re)) found.add(m[1]);
  }
  // Internal markers that never reach a message: an exchange timeout and an absent date.
  for (const internal of ['TIMEOUT', 'absent']) found.delete(internal);
  return [...found].sort();
}

describe('messages', () => {
  const en = messages('en-US');
  const vi = messages('vi');
  const codes = raisedCodes();

  it('finds the codes the code raises', () => {
    assert.ok(codes.length > 60, `${codes.length} codes found`);
    for (const c of ['required', 'maxLength', 'authFailed', 'undeliverable', 'shutdown', 'mapping']) assert.ok(codes.includes(c), c);
  });

  it('has an English and a Vietnamese message for each of them', () => {
    const missing = codes.filter((c) => !en[c] || !vi[c]);
    assert.deepStrictEqual(missing, []);
  });

  it('uses the same placeholders in both languages', () => {
    const holes = (t) => [...t.matchAll(/__([a-zA-Z0-9_]+)__/g)].map((m) => m[1]).sort().join();
    const differ = Object.keys(en).filter((c) => vi[c] && holes(en[c]) !== holes(vi[c]));
    assert.deepStrictEqual(differ, []);
  });
  it('reads a language as editors, queries and flows give it, each caller keeping its own default', () => {
    const { langOf } = require('../nodes/i18n');
    assert.deepStrictEqual(['vi', 'vi-VN', 'VI', 'en', 'en-US', 'en-GB', 'de', '', undefined, 7, 'video'].map((l) => langOf(l, 'fallback')),
      ['vi', 'vi', 'vi', 'en-US', 'en-US', 'en-US', 'fallback', 'fallback', 'fallback', 'fallback', 'fallback']);
  });
});
