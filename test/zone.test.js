'use strict';
// The remembered Asia/Ho_Chi_Minh zone (src/lib/zone.ts) answers exactly what Intl answers,
// across the zone's whole history, the days with an offset change included.
const assert = require('assert');
const { IANAZone, DateTime } = require('luxon');
const { VIETNAM } = require('../lib/zone');

describe('the Vietnam zone, remembered per day', function () {
  this.timeout(60_000);
  const intl = new IANAZone('Asia/Ho_Chi_Minh');
  it('gives Intl\'s offset for every hour of every day with a change, and for 40,000 instants from 1900 to 2100', function () {
    const HOUR = 3_600_000;
    const DAY = 24 * HOUR;
    const changes = [];
    for (let t = Date.UTC(1900, 0, 1); t < Date.UTC(2100, 0, 1); t += DAY) if (intl.offset(t) !== intl.offset(t + DAY - 1)) changes.push(t);
    assert.ok(changes.length >= 5, `the zone's history has its changes (${changes.length})`);
    for (const day of changes) for (let t = day - DAY; t < day + 2 * DAY; t += 15 * 60_000) assert.strictEqual(VIETNAM.offset(t), intl.offset(t), new Date(t).toISOString());
    for (let i = 0; i < 40_000; i++) {
      const t = Date.UTC(1900, 0, 1) + Math.floor(((i * 2654435761) % 2 ** 32) / 2 ** 32 * (Date.UTC(2100, 0, 1) - Date.UTC(1900, 0, 1)));
      assert.strictEqual(VIETNAM.offset(t), intl.offset(t), new Date(t).toISOString());
    }
  });
  it('is the same zone to luxon (equal, same name), so dates compare and format as before', function () {
    assert.ok(VIETNAM.equals(intl));
    assert.strictEqual(VIETNAM.name, 'Asia/Ho_Chi_Minh');
    const a = DateTime.fromObject({ year: 1960, month: 3, day: 4 }, { zone: VIETNAM });
    const b = DateTime.fromObject({ year: 1960, month: 3, day: 4 }, { zone: 'Asia/Ho_Chi_Minh' });
    assert.strictEqual(a.toMillis(), b.toMillis());
    assert.strictEqual(a.toFormat('ZZ'), '+08:00', 'the south kept +08:00 until 1975');
  });
});
