'use strict';
// Saved sync-node configurations are brought up to date on load (src/nodes/migrate.ts).
const assert = require('assert');
const { migrateSync, SYNC_VERSION } = require('../nodes/migrate');

describe('sync node configuration versions', function () {
  it('version 1 (no version): the pinned try count and backoff are dropped, never turned into a shorter budget', function () {
    const saved = { id: 'n1', auth: 'a', attempts: 5, backoffBase: 1000, backoffMax: 60000, batchSize: 50, resend: false };
    const now = migrateSync(saved);
    assert.deepStrictEqual(now, { id: 'n1', auth: 'a', batchSize: 50, resend: false, version: SYNC_VERSION });
    assert.strictEqual(now.giveUpAfter, undefined, 'the shipped 7-day budget applies');
    assert.strictEqual(saved.attempts, 5, 'the saved object is left alone');
  });

  it('a current configuration keeps its own settings', function () {
    const c = { id: 'n1', auth: 'a', version: 2, giveUpAfter: 3, unreachableAfter: 10 };
    assert.deepStrictEqual(migrateSync(c), c);
  });
});
