import { IANAZone } from 'luxon';

/**
 * Asia/Ho_Chi_Minh (D3) as luxon reads it, with its offsets remembered. luxon asks
 * Intl for the offset of every timestamp it handles — half the normaliser's time was
 * spent there (issue 11's profile). The zone's offset changes a handful of times in
 * its history (+08:00 in 1943–1945 and 1959–1975…), so the offset of a whole UTC day
 * is remembered once both its ends agree; a day with a change in it is asked every
 * time. The answers are Intl's own: no offset is written here.
 */
const DAY = 86_400_000;
/** Days remembered before the memory starts again (a few MB at most). */
const MAX_DAYS = 100_000;

class RememberedZone extends IANAZone {
  private readonly days = new Map<number, number>();

  override offset(ts: number): number {
    return this.steady(Math.floor(ts / DAY)) ?? super.offset(ts);
  }

  /** The offset (minutes) of a whole UTC day (days since 1970), or undefined when it changes within the day. */
  steady(day: number): number | undefined {
    const known = this.days.get(day);
    if (known !== undefined) return Number.isNaN(known) ? undefined : known;
    const start = day * DAY;
    const first = super.offset(start);
    const last = super.offset(start + DAY - 1);
    if (this.days.size >= MAX_DAYS) this.days.clear();
    // A day with a change is remembered as such (NaN), and asked per instant.
    const steady = first === last && !Number.isNaN(first);
    this.days.set(day, steady ? first : NaN);
    return steady ? first : undefined;
  }
}

/** The one zone every date is read and written in. */
export const VIETNAM = new RememberedZone('Asia/Ho_Chi_Minh');
