'use strict';
// Wall (src/lib/normalise/wall.ts) replaced luxon on the per-date path: it must give what
// luxon gives, for every day from 1900 to 2100, the days the zone's offset changed, hours
// the clocks skipped, instants, and the formats a connection may set.
const assert = require('assert');
const { DateTime } = require('luxon');
const { Wall, format } = require('../lib/normalise/wall');
const { mulberry32 } = require('./support/prng');

const ZONE = 'Asia/Ho_Chi_Minh';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function luxonWall(fields) {
  return DateTime.fromObject(fields, { zone: ZONE });
}

describe('Wall, the wall-clock time in Vietnam', function () {
  this.timeout(60_000);

  it('builds every hour of the days with an offset change, and every day 1900–2100, as luxon does', function () {
    const changes = [];
    for (let t = Date.UTC(1900, 0, 1); t < Date.UTC(2100, 0, 1); t += DAY) {
      if (DateTime.fromMillis(t, { zone: ZONE }).offset !== DateTime.fromMillis(t + DAY - 1, { zone: ZONE }).offset) changes.push(t);
    }
    assert.ok(changes.length >= 5, `the zone has its changes (${changes.length})`);
    const check = (y, mo, d, h, mi) => {
      const w = Wall.of(y, mo, d, h, mi);
      const l = luxonWall({ year: y, month: mo, day: d, hour: h, minute: mi });
      assert.strictEqual(w === undefined, !l.isValid, `${y}-${mo}-${d} ${h}:${mi}`);
      if (!w) return;
      assert.strictEqual(w.instant, l.toMillis(), `instant of ${y}-${mo}-${d} ${h}:${mi}`);
      assert.deepStrictEqual([w.year, w.month, w.day, w.hour, w.minute], [l.year, l.month, l.day, l.hour, l.minute], `fields of ${y}-${mo}-${d} ${h}:${mi} (a skipped hour moves on)`);
      assert.strictEqual(w.startOfDay().instant, l.startOf('day').toMillis(), `start of ${y}-${mo}-${d}`);
    };
    for (const t of changes) {
      for (let u = t - DAY; u < t + 2 * DAY; u += 30 * 60_000) {
        const d = new Date(u + 7 * HOUR);
        check(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes());
      }
    }
    for (let t = Date.UTC(1900, 0, 1); t < Date.UTC(2100, 0, 1); t += 7 * DAY + 5 * HOUR) {
      const d = new Date(t);
      check(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes());
    }
  });

  it('refuses what does not exist: 31/02, 29/02 of a common year, 24:00, minute 60', function () {
    assert.strictEqual(Wall.of(2025, 2, 31), undefined);
    assert.strictEqual(Wall.of(2023, 2, 29), undefined);
    assert.ok(Wall.of(2024, 2, 29));
    assert.ok(Wall.of(2000, 2, 29), '2000 is a leap year');
    assert.strictEqual(Wall.of(1900, 2, 29), undefined, '1900 is not');
    assert.strictEqual(Wall.of(2025, 1, 1, 24), undefined);
    assert.strictEqual(Wall.of(2025, 1, 1, 10, 60), undefined);
    assert.strictEqual(Wall.of(2025, 13, 1), undefined);
    assert.strictEqual(Wall.of(1, 1, 1).year, 1, 'year 1 stays year 1 (.NET placeholders are refused by the range check, not misread)');
  });

  it('reads instants as luxon does: 20,000 random instants from 1900 to 2100', function () {
    const rng = mulberry32(11);
    for (let i = 0; i < 20_000; i++) {
      const t = Date.UTC(1900, 0, 1) + Math.floor(rng() * (Date.UTC(2100, 0, 1) - Date.UTC(1900, 0, 1)));
      const w = Wall.at(t);
      const l = DateTime.fromMillis(t, { zone: ZONE });
      assert.deepStrictEqual([w.year, w.month, w.day, w.hour, w.minute, w.second, w.ms], [l.year, l.month, l.day, l.hour, l.minute, l.second, l.millisecond], new Date(t).toISOString());
    }
  });

  it('writes and reads the formats a connection may set as luxon does, and hands other tokens to luxon', function () {
    const rng = mulberry32(5);
    const formats = ['dd/MM/yyyy', 'dd/MM/yyyy HH:mm:ss', 'yyyy-MM-dd', "yyyy-MM-dd'T'HH:mm:ss", 'd/M/yyyy H:m:s', 'yyyyMMddHHmmss', 'dd/MM/yyyy HH:mm:ss.SSS', 'dd MMM yyyy', 'dd/MM/yyyy hh:mm a', "dd 'tháng' MM yyyy"];
    for (const text of formats) {
      const f = format(text);
      for (let i = 0; i < 2_000; i++) {
        const t = Date.UTC(1950, 0, 1) + Math.floor(rng() * (Date.UTC(2090, 0, 1) - Date.UTC(1950, 0, 1)));
        const w = Wall.at(t);
        const l = DateTime.fromMillis(t, { zone: ZONE });
        const s = f.write(w);
        assert.strictEqual(s, l.toFormat(text), `${text} of ${new Date(t).toISOString()}`);
        const back = f.read(s);
        const lb = DateTime.fromFormat(s, text, { zone: ZONE });
        assert.ok(typeof back !== 'string' && lb.isValid, `${s} reads back`);
        assert.strictEqual(f.write(back), lb.toFormat(text), `${s} round trip in ${text}`);
      }
    }
    // What a wire check sees that is not the format: why, as luxon says it.
    const f = format('dd/MM/yyyy');
    assert.strictEqual(f.read('1/2/2024'), 'dateFormat');
    assert.strictEqual(f.read('31/02/2024'), 'dateInvalid');
    assert.strictEqual(f.read('2024-02-01'), 'dateFormat');
    assert.strictEqual(format('dd/MM/yyyy HH:mm:ss').read('01/02/2024 24:00:00'), 'dateFormat', 'a roll-over');
  });
});
