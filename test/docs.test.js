'use strict';
// The documentation a user of the published package reads: every decision cited
// (D1…D23) resolves to its section of docs/decisions.md, inside the repository.
const assert = require('assert');
const fs = require('fs');
const path = require('path');

const ROOT = path.join(__dirname, '..');
const DECISIONS = fs.readFileSync(path.join(ROOT, 'docs/decisions.md'), 'utf8');

/** Every text file under a directory, recursively. */
function files(dir, ext) {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) return files(p, ext);
    return ext.test(d.name) ? [p] : [];
  });
}

describe('docs: decisions D1–D23', () => {
  const headings = [...DECISIONS.matchAll(/^## (D\d+) — .+$/gm)].map((m) => m[1]);

  it('docs/decisions.md has one section per decision, D1 to D23 in order', () => {
    assert.deepStrictEqual(headings, Array.from({ length: 23 }, (_, i) => `D${i + 1}`));
    // Each says what the package does.
    for (const part of DECISIONS.split(/^## /m).slice(1)) assert.match(part, /\*\*Package( now)?:\*\*/, part.slice(0, 40));
  });

  it('every decision cited in the code, the messages, the help and the docs is one of them', () => {
    const sources = [...files('src', /\.(ts|html|json)$/), ...files('nodes/locales', /\.(json|html)$/), ...files('docs', /\.md$/), 'README.md'];
    const cited = new Set();
    for (const f of sources) for (const m of fs.readFileSync(path.join(ROOT, f), 'utf8').matchAll(/\bD(\d{1,2})\b/g)) cited.add(`D${Number(m[1])}`);
    assert.ok(cited.size >= 18, `found ${cited.size} cited decisions`);
    for (const d of cited) assert.ok(headings.includes(d), `${d} is cited but has no section in docs/decisions.md`);
  });

  it('the README links it in both languages, and the package publishes it', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const english = readme.indexOf('<a id="english"></a>');
    assert.ok(readme.slice(0, english).includes('](docs/decisions.md)'), 'Vietnamese part');
    assert.ok(readme.slice(english).includes('](docs/decisions.md)'), 'English part');
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    assert.ok(pkg.files.includes('docs') || pkg.files.some((f) => f.startsWith('docs')), 'package.json "files" includes docs/');
  });
});
