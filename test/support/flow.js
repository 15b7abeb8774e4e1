'use strict';
// Loads a real Node-RED runtime (node-red-node-test-helper) with a BTXH
// connection, one sync node and helper nodes on both outputs, against a
// sandbox started on loopback.
const helper = require('node-red-node-test-helper');
const { createSandbox } = require('../../sandbox/server');

helper.init(require.resolve('node-red'));

const modules = {
  auth: require('../../nodes/btxh-auth.js'),
  'btxh-dossier': require('../../nodes/btxh-dossier.js'),
  'btxh-progress': require('../../nodes/btxh-progress.js'),
  'btxh-decision': require('../../nodes/btxh-decision.js'),
  'btxh-pull': require('../../nodes/btxh-pull.js'),
};

const CREDS = { username: 'demo', password: 'demo-secret-pw' };

function authNode(url, extra = {}) {
  return {
    id: 'auth', type: 'btxh-auth', name: 'sandbox', baseUrl: url, mode: 'token',
    bodyShape: 'array', queue: 'memory', ethnicityCode: 'id', codeSet: 'pre-2025', district2025: 'old', strict: false, ...extra,
  };
}

/**
 * Starts a flow: inject into `sync` (type), outputs to helper nodes `sent` and
 * `notSent`, a complete node counting done() calls into `done`, a catch node into `caught`.
 */
async function start({ type = 'btxh-dossier', sandbox, node = {}, auth = {}, creds = CREDS }) {
  const flow = [
    { id: 'f1', type: 'tab', label: 'test' },
    authNode(sandbox.url, auth),
    {
      id: 'sync', z: 'f1', x: 100, y: 100, type, name: '', auth: 'auth', version: 2,
      wires: [['sent'], ['notSent']], ...node,
    },
    { id: 'sent', type: 'helper', z: 'f1', x: 100, y: 100 },
    { id: 'notSent', type: 'helper', z: 'f1', x: 100, y: 100 },
    { id: 'complete', z: 'f1', x: 100, y: 100, type: 'complete', scope: ['sync'], uncaught: false, wires: [['done']] },
    { id: 'done', type: 'helper', z: 'f1', x: 100, y: 100 },
    { id: 'catch', z: 'f1', x: 100, y: 100, type: 'catch', scope: ['sync'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'f1', x: 100, y: 100 },
  ];
  await helper.load(Object.values(modules), flow, { auth: creds });
  const get = (id) => helper.getNode(id);
  return { flow, sync: get('sync'), sent: get('sent'), notSent: get('notSent'), done: get('done'), caught: get('caught') };
}

/** Collects messages on a helper node until `until(list)` holds. */
function collect(node, until) {
  const list = [];
  return {
    list,
    wait: () =>
      new Promise((resolve) => {
        if (until(list)) return resolve(list);
        node.on('input', (msg) => {
          list.push(msg);
          if (until(list)) resolve(list);
        });
      }),
  };
}

/** Collects everything on the three outputs; resolves when `settled({sent, notSent, done})` holds. */
function outcome(f, settled) {
  const state = { sent: [], notSent: [], done: [], caught: [] };
  return new Promise((resolve) => {
    const check = () => {
      if (settled(state)) resolve(state);
    };
    for (const k of ['sent', 'notSent', 'done', 'caught']) {
      f[k].on('input', (msg) => {
        state[k].push(msg);
        check();
      });
    }
  });
}

const records = (state) => state.sent.reduce((n, m) => n + m.payload.length, 0);

/**
 * Mocha hooks shared by the runtime tests: a fresh sandbox (its log lines in
 * `t.log`) and a fresh Node-RED test server for every test.
 */
function withRuntime(options = {}) {
  const t = { sandbox: undefined, log: [] };
  beforeEach(async () => {
    t.log = [];
    t.sandbox = await createSandbox({ port: 0, ...CREDS, log: (l) => t.log.push(l), ...options });
    await new Promise((r) => helper.startServer(r));
  });
  afterEach(async () => {
    await helper.unload();
    await new Promise((r) => helper.stopServer(r));
    await t.sandbox.close();
  });
  return t;
}

module.exports = { helper, createSandbox, start, collect, outcome, records, authNode, CREDS, modules, withRuntime };
