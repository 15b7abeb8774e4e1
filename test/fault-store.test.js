'use strict';
// Issue 5 (f): when the outbox cannot commit, the input is not acknowledged
// (done(err): a Catch node gets it, a Complete node does not fire), the error
// is reported, and nothing is sent. In-process runtime (node-red-node-test-helper)
// so the test can reach the store's own SQLite connection (on the outbox's thread,
// through ThreadStore.pragma) and fill it up.
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { helper, start, outcome, records, withRuntime } = require('./support/flow');
const { dossier } = require('./support/records');

describe('fault injection: the outbox fails to commit (SQLite)', function () {
  this.timeout(60_000);
  const t = withRuntime();
  let dir;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'btxh-fault-store-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** A PRAGMA on the running flow's outbox connection, on its thread (a test reaches in; nodes never do). */
  function pragma(text) {
    const store = helper.getNode('auth').store();
    assert.strictEqual(store.constructor.name, 'ThreadStore', 'the SQLite outbox on its own thread, as shipped');
    return store.pragma(text);
  }

  const list = (from, n) => Array.from({ length: n }, (_, i) => dossier(from + i));

  for (const fault of [
    {
      name: 'a full disk (SQLITE_FULL)',
      on: async (p) => p(`max_page_count = ${await p('page_count')}`),
      off: (p) => p('max_page_count = 1073741823'),
      says: /outboxFull|is full/,
    },
    { name: 'a read-only outbox (SQLITE_READONLY)', on: (p) => p('query_only = ON'), off: (p) => p('query_only = OFF'), says: /outboxReadOnly|is read-only/ },
  ]) {
    it(`(f) ${fault.name}: not acknowledged, a Catch node gets the error, nothing is sent; the same input goes through once it is fixed`, async function () {
      const f = await start({ sandbox: t.sandbox, auth: { queue: 'sqlite', queueFile: path.join(dir, 'outbox.sqlite') } });
      const warmup = outcome(f, (s) => records(s) === 1 && s.done.length === 1);
      f.sync.receive({ payload: dossier(1) });
      await warmup;

      await fault.on(pragma);
      const input = list(100, 200);
      const failed = outcome(f, (s) => s.caught.length === 1);
      f.sync.receive({ _msgid: 'm-fault', payload: input });
      const s = await failed;
      assert.strictEqual(s.done.length, 0, 'never acknowledged');
      assert.strictEqual(s.caught[0]._msgid, 'm-fault', 'the Catch node gets the very message');
      const message = s.caught[0].error.message;
      assert.match(message, fault.says);
      // The outbox's own problem, rendered (the test helper loads no locale, so it shows as its key there).
      assert.doesNotMatch(message, /^SQLITE|disk is full$|readonly database$/, 'more than the driver\'s words');
      // (Node-RED logs an error a Catch node handled no further: the Catch node is where it is reported.)

      await fault.off(pragma);
      const st = outcome(f, (x) => x.sent.some((m) => m.topic === 'status'));
      f.sync.receive({ topic: 'status' });
      const counts = (await st).sent.find((m) => m.topic === 'status').payload;
      assert.strictEqual(counts.waiting + counts.inflight + counts.dead, 0, 'none of the refused input was kept');
      assert.strictEqual(t.sandbox.counts().dossier, 1, 'none of it was sent');

      // The flow (or its source) sends the same input again: now it is accepted and delivered.
      const retried = outcome(f, (x) => records(x) === 200 && x.done.some((m) => m._msgid === 'm-again'));
      f.sync.receive({ _msgid: 'm-again', payload: input });
      const r = await retried;
      assert.strictEqual(r.caught.length, 0);
      assert.strictEqual(t.sandbox.counts().dossier, 201);
    });
  }
});
