'use strict';
// A throwaway PostgreSQL for the tests: initdb into a temp dir, listen on
// 127.0.0.1 (and a unix socket in the same dir) on a free port, stop and
// remove it afterwards. PostgreSQL refuses to run as root, so under root the
// server runs as the `postgres` system user through runuser.
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { freePort } = require('./net');

const INSTALL = 'apt-get install -y postgresql   (Debian/Ubuntu; or set PG_BIN to the directory holding initdb and pg_ctl)';

/** The directory holding initdb and pg_ctl, newest version first; undefined when none. */
function findBin() {
  const dirs = [];
  if (process.env.PG_BIN) dirs.push(process.env.PG_BIN);
  const base = '/usr/lib/postgresql';
  if (fs.existsSync(base)) {
    const versions = fs.readdirSync(base).filter((v) => /^\d+(\.\d+)?$/.test(v)).sort((a, b) => Number(b) - Number(a));
    for (const v of versions) dirs.push(path.join(base, v, 'bin'));
  }
  dirs.push('/usr/local/pgsql/bin', '/usr/local/bin', '/usr/bin');
  return dirs.find((d) => fs.existsSync(path.join(d, 'initdb')) && fs.existsSync(path.join(d, 'pg_ctl')));
}

function uidOf(user) {
  const r = spawnSync('id', ['-u', user], { encoding: 'utf8' });
  return r.status === 0 ? Number(r.stdout.trim()) : undefined;
}

/**
 * Tells whether a server can be started here. `why` says what is missing and how to install it.
 */
function available() {
  const bin = findBin();
  if (!bin) return { ok: false, why: `PostgreSQL server binaries (initdb, pg_ctl) not found. Install: ${INSTALL}` };
  if (process.getuid && process.getuid() === 0 && uidOf('postgres') === undefined) {
    return { ok: false, why: 'running as root and there is no `postgres` user to run the server as (apt-get install -y postgresql creates it)' };
  }
  return { ok: true, bin };
}

/**
 * For a test suite's before(): starts the server, or skips the suite with a loud
 * message when PostgreSQL is missing. Under CI=true a missing server fails instead,
 * so CI never passes by skipping.
 */
async function startOrSkip(ctx) {
  const a = available();
  if (!a.ok) {
    if (process.env.CI === 'true') throw new Error(`CI=true and ${a.why}`);
    const bar = '!'.repeat(78);
    console.warn(`\n${bar}\n!! SKIPPING the PostgreSQL outbox tests: ${a.why}\n${bar}\n`);
    ctx.skip();
  }
  return start(a.bin);
}

/** Starts a server; resolves {connectionString, socketDir, port, stop()}. */
async function start(bin = findBin()) {
  if (!bin) throw new Error(`PostgreSQL not found. Install: ${INSTALL}`);
  const root = process.getuid && process.getuid() === 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'btxh-pg-'));
  const data = path.join(dir, 'data');
  const log = path.join(dir, 'server.log');
  if (root) {
    const uid = uidOf('postgres');
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    fs.chownSync(dir, uid, gid);
  }
  const run = (cmd, args) => {
    const [file, argv] = root ? ['runuser', ['-u', 'postgres', '--', path.join(bin, cmd), ...args]] : [path.join(bin, cmd), args];
    const r = spawnSync(file, argv, { encoding: 'utf8', cwd: dir });
    if (r.status !== 0) {
      const tail = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').slice(-2000) : '';
      throw new Error(`${cmd} failed (${r.status}): ${r.error || ''}${r.stderr}${r.stdout}\n${tail}`);
    }
    return r.stdout;
  };

  let port;
  try {
    run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
    port = await freePort();
    // fsync off: a throwaway server; durability of PostgreSQL itself is not under test.
    const opts = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c fsync=off -c max_connections=50`;
    run('pg_ctl', ['-D', data, '-o', opts, '-l', log, '-w', '-t', '60', 'start']);
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  let stopped = false;
  return {
    connectionString: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    socketDir: dir,
    port,
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * A database of its own on a started server, owned by a login role with a password (as a
 * province's one-stop database is): resolves its connection string.
 */
async function database(server, { name = 'motcua', user = 'motcua', password = 'mat-khau-thu' } = {}) {
  const { Client } = require('pg');
  const admin = new Client({ connectionString: server.connectionString });
  await admin.connect();
  try {
    await admin.query(`CREATE ROLE ${user} LOGIN PASSWORD '${password}'`);
    await admin.query(`CREATE DATABASE ${name} OWNER ${user}`);
  } finally {
    await admin.end();
  }
  return `postgresql://${user}:${password}@127.0.0.1:${server.port}/${name}`;
}

module.exports = { available, start, startOrSkip, database, INSTALL };
