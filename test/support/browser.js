'use strict';
// A real Node-RED (node-red/red.js as a child process) with this package
// linked into <userDir>/node_modules as scripts/demo.js does, and headless
// Chromium driven by playwright-core. Loopback only.
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { freePort, request } = require('./net');

/** One JSON exchange with the Node-RED admin API. */
const adminApi = (port, method, urlPath, body, headers = {}) => request(port, method, urlPath, body, { headers });

const ROOT = path.join(__dirname, '..', '..');
const CHROMIUM = '/usr/bin/chromium';

/** Starts Node-RED with an empty flow; resolves once its admin API answers. */
async function startRed() {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'btxh-browser-red-'));
  fs.mkdirSync(path.join(userDir, 'node_modules', '@motcua'), { recursive: true });
  fs.symlinkSync(ROOT, path.join(userDir, 'node_modules', '@motcua', 'node-red-btxh'), 'dir');
  fs.writeFileSync(path.join(userDir, 'flows.json'), '[]');
  // pg for the PostgreSQL example's function nodes, installed as its comment says (npm install pg in the user directory).
  fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'node-red-project', private: true, dependencies: { pg: '*' } }));
  fs.symlinkSync(path.dirname(require.resolve('pg/package.json')), path.join(userDir, 'node_modules', 'pg'), 'dir');
  const port = await freePort();
  fs.writeFileSync(
    path.join(userDir, 'settings.js'),
    `module.exports = ${JSON.stringify({
      uiHost: '127.0.0.1',
      flowFile: 'flows.json',
      credentialSecret: false, // test credentials only
      editorTheme: { tours: false, projects: { enabled: false } },
      telemetry: { enabled: false, updateNotification: false },
      diagnostics: { enabled: false, ui: false },
      logging: { console: { level: 'warn', metrics: false, audit: false } },
    })};\n`,
  );
  const child = spawn(process.execPath, [require.resolve('node-red/red.js'), '--userDir', userDir, '--port', String(port), '--settings', path.join(userDir, 'settings.js')], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_RED_ENABLE_PROJECTS: 'false' },
  });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Node-RED exited:\n${log}`);
    try {
      const r = await adminApi(port, 'GET', '/settings');
      if (r.status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`Node-RED did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    userDir,
    log: () => log,
    api: (method, p, body, headers) => adminApi(port, method, p, body, headers),
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(t);
      }
      fs.rmSync(userDir, { recursive: true, force: true });
    },
  };
}

/** Headless Chromium with a fresh profile. */
async function launch() {
  const { chromium } = require('playwright-core');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'btxh-browser-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1400, height: 1700 },
    locale: 'en-US',
    acceptDownloads: false,
  });
  return {
    context,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

module.exports = { CHROMIUM, startRed, launch, freePort };
