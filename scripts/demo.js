#!/usr/bin/env node
'use strict';
/*
 * `npm start`: the BTXH sandbox plus Node-RED (the devDependency) with this
 * package loaded and a demo flow that syncs the bundled synthetic dossiers.
 * Node-RED's user directory is .demo/ (ignored by git): what you change in the
 * editor is kept there across restarts; delete .demo/ to start afresh.
 */
const fs = require('fs');
const path = require('path');
const { spawn } = require('child_process');

const root = path.join(__dirname, '..');
const userDir = process.env.BTXH_DEMO_DIR || path.join(root, '.demo');
const editorPort = Number(process.env.PORT || 1880);
const sandboxPort = Number(process.env.SANDBOX_PORT || 8088);
const host = '127.0.0.1';
// The demo speaks Vietnamese unless BTXH_LANG says English.
const english = /^en/i.test(process.env.BTXH_LANG || '');
const say = (vi, en) => (english ? en : vi);

/** One clear line and exit, for what the user can fix (a taken port, a missing build): no stack trace. */
function fail(vi, en) {
  console.error(say(vi, en));
  process.exit(1);
}

/** Resolves when nothing listens on the port; a taken port ends the demo with one line saying which setting to change. */
function free(port, name) {
  return new Promise((resolve) => {
    const probe = require('net').createServer();
    probe.once('error', (err) =>
      err.code === 'EADDRINUSE'
        ? fail(`Cổng ${port} (${name}) đang có chương trình khác dùng: dừng chương trình đó, hoặc chọn cổng khác, ví dụ ${name === 'sandbox' ? 'SANDBOX_PORT' : 'PORT'}=${port + 1} npm start.`,
          `Port ${port} (${name}) is taken by another program: stop it, or choose another, e.g. ${name === 'sandbox' ? 'SANDBOX_PORT' : 'PORT'}=${port + 1} npm start.`)
        : fail(`Không mở được cổng ${port} (${name}): ${err.code}.`, `Cannot open port ${port} (${name}): ${err.code}.`),
    );
    probe.listen(port, host, () => probe.close(resolve));
  });
}

/** .demo/ kept from an earlier run whose sandbox had another port: said, never silently wrong. */
function staleAddress() {
  try {
    const flows = JSON.parse(fs.readFileSync(path.join(userDir, 'flows.json'), 'utf8'));
    const want = `http://${host}:${sandboxPort}`;
    for (const n of flows) {
      if (n.type !== 'btxh-auth' || typeof n.baseUrl !== 'string' || n.baseUrl === want || !/^http:\/\/(127\.0\.0\.1|localhost):\d+\/?$/.test(n.baseUrl)) continue;
      console.log(say(
        `  Lưu ý: kết nối "${n.name || n.id}" trong ${userDir} vẫn trỏ tới ${n.baseUrl} (lần chạy trước), còn sandbox đang chạy ở ${want}. Sửa địa chỉ trong kết nối, hoặc xóa ${userDir} để bắt đầu lại.`,
        `  Note: the connection "${n.name || n.id}" in ${userDir} still points at ${n.baseUrl} (an earlier run), while the sandbox runs at ${want}. Change the address in the connection, or delete ${userDir} to start afresh.`,
      ));
    }
  } catch {
    /* no flows yet: written below */
  }
}

function prepareUserDir() {
  fs.mkdirSync(path.join(userDir, 'node_modules', '@motcua'), { recursive: true });
  // Node-RED loads packages from <userDir>/node_modules: link this repository there.
  const link = path.join(userDir, 'node_modules', '@motcua', 'node-red-btxh');
  if (!fs.existsSync(link)) fs.symlinkSync(root, link, 'dir');
  // The PostgreSQL example's function nodes load pg (this package's own dependency), installed as its
  // comment says (`npm install pg` in the user directory): linked, and listed so Node-RED allows it.
  const pg = path.join(userDir, 'node_modules', 'pg');
  if (!fs.existsSync(pg)) fs.symlinkSync(path.dirname(require.resolve('pg/package.json')), pg, 'dir');
  const pkg = path.join(userDir, 'package.json');
  if (!fs.existsSync(pkg)) fs.writeFileSync(pkg, JSON.stringify({ name: 'node-red-btxh-demo', private: true, dependencies: { pg: '*' } }, null, 2));
  const flows = path.join(userDir, 'flows.json');
  if (!fs.existsSync(flows)) {
    const example = JSON.parse(fs.readFileSync(path.join(root, 'examples', 'dossier-sync.json'), 'utf8'));
    const auth = example.find((n) => n.type === 'btxh-auth');
    // The example's own login (the sandbox's demo account) goes where a deploy would put it: the credentials file.
    const creds = auth.credentials;
    delete auth.credentials;
    for (const n of example) {
      if (n.type === 'btxh-auth') n.baseUrl = `http://${host}:${sandboxPort}`;
    }
    fs.writeFileSync(flows, JSON.stringify(example, null, 2));
    // credentialSecret is off for the demo only (see demo-settings.js).
    fs.writeFileSync(path.join(userDir, 'flows_cred.json'), JSON.stringify({ [auth.id]: creds }, null, 2));
  }
}

async function main() {
  let createSandbox;
  try {
    ({ createSandbox } = require('../sandbox/server'));
  } catch {
    fail('Gói chưa được dựng: chạy `npm install` (hoặc `npm run build`) trước.', 'The package is not built: run `npm install` (or `npm run build`) first.');
  }
  await free(sandboxPort, 'sandbox');
  await free(editorPort, 'Node-RED');
  const sandbox = await createSandbox({ port: sandboxPort, host, log: (l) => console.log(`[sandbox] ${l}`) });
  // D22: three synthetic dossiers registered "at the ministry" an hour ago, for btxh-pull's example to find.
  const hourAgo = Date.now() - 3600_000;
  const vn = new Date(hourAgo + 7 * 3600_000).toISOString(); // Vietnam has kept UTC+7 since 1975
  const submitted = `${vn.slice(8, 10)}/${vn.slice(5, 7)}/${vn.slice(0, 4)} ${vn.slice(11, 19)}`;
  const ministry = JSON.parse(fs.readFileSync(path.join(root, 'data', 'samples', 'ministry.json'), 'utf8'));
  sandbox.register(ministry.map((d) => ({ ...d, SubmittedDate: submitted })), hourAgo);
  staleAddress();
  prepareUserDir();
  const red = spawn(process.execPath, [
    require.resolve('node-red/red.js'),
    '--userDir', userDir,
    '--port', String(editorPort),
    '--settings', path.join(__dirname, 'demo-settings.js'),
  ], { stdio: 'inherit' });
  console.log('');
  console.log(`  BTXH sandbox / Hệ thống BTXH thử nghiệm:  ${sandbox.url}/`);
  console.log(`  Node-RED editor / Trình soạn Node-RED:   http://${host}:${editorPort}/`);
  console.log('');
  const stop = () => {
    red.kill('SIGINT');
    sandbox.close().finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  red.on('exit', (code) => {
    sandbox.close().finally(() => process.exit(code ?? 0));
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
