'use strict';
// A throwaway MariaDB for the tests: mariadb-install-db into a temp dir, the
// server on 127.0.0.1 on a free port (and a unix socket in the same dir), a
// user `motcua` with a password, stopped and removed afterwards. Debian's
// mariadb-server package brings the binaries (.ci/run installs it).
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { freePort } = require('./net');

const INSTALL = 'apt-get install -y mariadb-server   (Debian/Ubuntu)';

function which(cmd) {
  for (const d of ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin']) {
    const f = path.join(d, cmd);
    if (fs.existsSync(f)) return f;
  }
  return undefined;
}

function available() {
  const server = which('mariadbd') ?? which('mysqld');
  const install = which('mariadb-install-db') ?? which('mysql_install_db');
  if (!server || !install) return { ok: false, why: `MariaDB server binaries (mariadbd, mariadb-install-db) not found. Install: ${INSTALL}` };
  return { ok: true, server, install };
}

/** For a suite's before(): starts the server, or skips loudly; under CI=true a missing server fails. */
async function startOrSkip(ctx) {
  const a = available();
  if (!a.ok) {
    if (process.env.CI === 'true') throw new Error(`CI=true and ${a.why}`);
    const bar = '!'.repeat(78);
    console.warn(`\n${bar}\n!! SKIPPING the MariaDB tests: ${a.why}\n${bar}\n`);
    ctx.skip();
  }
  return start(a);
}

const USER = 'motcua';
const PASSWORD = 'mat-khau-thu';
const DATABASE = 'motcua';

async function start(a = available()) {
  if (!a.ok) throw new Error(a.why);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'btxh-maria-'));
  const data = path.join(dir, 'data');
  const socket = path.join(dir, 'mysqld.sock');
  const log = path.join(dir, 'server.log');
  const root = process.getuid && process.getuid() === 0;
  const user = root ? ['--user=root'] : [];
  const init = spawnSync(a.install, ['--no-defaults', `--datadir=${data}`, '--auth-root-authentication-method=normal', '--skip-test-db', ...user], { encoding: 'utf8' });
  if (init.status !== 0) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`mariadb-install-db failed (${init.status}): ${init.stderr}${init.stdout}`);
  }
  const port = await freePort();
  const proc = spawn(a.server, ['--no-defaults', `--datadir=${data}`, `--socket=${socket}`, `--port=${port}`, '--bind-address=127.0.0.1',
    `--pid-file=${path.join(dir, 'mysqld.pid')}`, `--log-error=${log}`, '--skip-name-resolve', '--innodb-flush-log-at-trx-commit=2',
    '--character-set-server=utf8mb4', '--collation-server=utf8mb4_unicode_ci', ...user], { stdio: 'ignore' });
  const mysql = require('mysql2/promise');
  let admin;
  for (let i = 0; i < 300 && !admin; i++) {
    try {
      admin = await mysql.createConnection({ socketPath: socket, user: 'root' });
    } catch (err) {
      if (proc.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  if (!admin) {
    proc.kill('SIGKILL');
    const tail = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').slice(-2000) : '';
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`MariaDB did not start:\n${tail}`);
  }
  await admin.query(`CREATE DATABASE ${DATABASE} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.query(`CREATE USER '${USER}'@'%' IDENTIFIED BY '${PASSWORD}'`);
  await admin.query(`GRANT ALL ON ${DATABASE}.* TO '${USER}'@'%'`);
  await admin.end();

  let stopped = false;
  return {
    host: '127.0.0.1',
    port,
    user: USER,
    password: PASSWORD,
    database: DATABASE,
    /** A mysql2/promise connection to the test database. */
    connect: () => mysql.createConnection({ host: '127.0.0.1', port, user: USER, password: PASSWORD, database: DATABASE, multipleStatements: true, timezone: 'local' }),
    async stop() {
      if (stopped) return;
      stopped = true;
      proc.kill('SIGKILL');
      await new Promise((r) => (proc.exitCode !== null ? r() : proc.once('exit', r)));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

module.exports = { available, start, startOrSkip, INSTALL };
