import { IANAZone } from 'luxon';

/**
 * Asia/Ho_Chi_Minh (D3) as luxon reads it, with its history learnt once. luxon asks
 * Intl for the offset of every timestamp it handles — half the normaliser's time was
 * spent there (issue 11's profile), and a new process asked again for every new day
 * of a backfill's birth dates. The zone's offset changed a handful of times (+08:00 in
 * 1943–1945 and 1959–1975…): the first look-up samples Intl every 30 days from 1890 to
 * 2110 and narrows each change down to the millisecond, Intl's own answers both; an
 * instant outside those years is asked of Intl directly. No offset is written here.
 */
const DAY = 86_400_000;
const FROM = Date.UTC(1890, 0, 1);
const TO = Date.UTC(2110, 0, 1);
/** Vietnam never changed its offset twice within a month: the zone test compares every day with Intl. */
const STEP = 30 * DAY;

class RememberedZone extends IANAZone {
  /** Instants at which the offset changes, ascending, and the offset from each on (offsets[0] before the first). */
  private changes: number[] | undefined;
  private offsets: number[] = [];

  override offset(ts: number): number {
    if (!(ts >= FROM && ts < TO)) return super.offset(ts);
    const changes = this.history();
    let lo = 0;
    let hi = changes.length;
    // The number of changes at or before ts.
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (changes[mid] <= ts) lo = mid + 1;
      else hi = mid;
    }
    return this.offsets[lo];
  }

  /** The offset (minutes) of a whole UTC day (days since 1970), or undefined when it changes within the day. */
  steady(day: number): number | undefined {
    const start = day * DAY;
    const first = this.offset(start);
    const last = this.offset(start + DAY - 1);
    return first === last && !Number.isNaN(first) ? first : undefined;
  }

  private history(): number[] {
    if (this.changes) return this.changes;
    const changes: number[] = [];
    const offsets = [super.offset(FROM)];
    let prev = offsets[0];
    for (let t = FROM + STEP; t < TO + STEP; t += STEP) {
      const o = super.offset(Math.min(t, TO - 1));
      if (o === prev) continue;
      // The change lies in (t - STEP, t]: the first instant with the new offset.
      let lo = t - STEP;
      let hi = Math.min(t, TO - 1);
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (super.offset(mid) === prev) lo = mid;
        else hi = mid;
      }
      changes.push(hi);
      offsets.push(o);
      prev = o;
    }
    this.offsets = offsets;
    return (this.changes = changes);
  }
}

/** The one zone every date is read and written in. */
export const VIETNAM = new RememberedZone('Asia/Ho_Chi_Minh');

// Learnt when the module loads (Node-RED's start), not while the first record waits: ~70 ms of Intl.
VIETNAM.offset(0);
