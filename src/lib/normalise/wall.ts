import { DateTime } from 'luxon';
import { VIETNAM } from '../zone';

/**
 * A wall-clock time in Vietnam (D3): what a form or a register shows. Every
 * date is read into one and written from one. luxon built a DateTime (a zone
 * look-up, an object copy per change) for each date of each record, which was
 * most of the normaliser's time; a Wall is seven numbers. luxon still answers
 * where its rules are the point: a wall time on one of the few days the zone's
 * offset changed (1943–1975), and a date format with tokens other than digits.
 */
export class Wall {
  private constructor(
    readonly year: number,
    readonly month: number,
    readonly day: number,
    readonly hour: number,
    readonly minute: number,
    readonly second: number,
    readonly ms: number,
    /** The same time as milliseconds of a UTC clock showing it: for comparisons and arithmetic. */
    readonly local: number,
    /** The instant, when known (read from one, or decided by luxon near a change). */
    private readonly at?: number,
  ) {}

  /**
   * The wall time of these fields, or undefined when no such time exists (31/02, 25:00).
   * A time the clocks skipped (1 April 1947, 00:00–01:00) becomes the time after, as luxon makes it.
   */
  static of(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): Wall | undefined {
    if (!(month >= 1 && month <= 12 && day >= 1 && day <= daysIn(year, month) && hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 && second <= 59 && ms >= 0 && ms <= 999)) return undefined;
    if (!Number.isInteger(year + month + day + hour + minute + second + ms)) return undefined;
    const local = utc(year, month, day, hour, minute, second, ms);
    if (offsetOfWall(local) !== undefined) return new Wall(year, month, day, hour, minute, second, ms, local);
    const dt = DateTime.fromObject({ year, month, day, hour, minute, second, millisecond: ms }, { zone: VIETNAM });
    if (!dt.isValid) return undefined;
    // luxon's own reading of the time, kept whole: its fields and its instant.
    return new Wall(dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second, dt.millisecond, utc(dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second, dt.millisecond), dt.toMillis());
  }

  /** The wall time in Vietnam at an instant (epoch milliseconds). */
  static at(instant: number): Wall {
    const local = instant + VIETNAM.offset(instant) * 60_000;
    const d = new Date(local);
    return new Wall(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds(), local, instant);
  }

  /** The instant (epoch milliseconds) this wall time was in Vietnam. */
  get instant(): number {
    if (this.at !== undefined) return this.at;
    const o = offsetOfWall(this.local);
    if (o !== undefined) return this.local - o * 60_000;
    return DateTime.fromObject(this.fields(), { zone: VIETNAM }).toMillis();
  }

  /** Midnight of the same day, as a local time: calendar days compare by it. */
  get dayStart(): number {
    return this.local - (((this.local % DAY) + DAY) % DAY);
  }

  /** The first moment of the same day (luxon's startOf('day')). */
  startOfDay(): Wall {
    return Wall.of(this.year, this.month, this.day)!;
  }

  fields(): { year: number; month: number; day: number; hour: number; minute: number; second: number; millisecond: number } {
    return { year: this.year, month: this.month, day: this.day, hour: this.hour, minute: this.minute, second: this.second, millisecond: this.ms };
  }

  /** As luxon would give it (for the formats luxon alone writes). */
  toDateTime(): DateTime {
    return DateTime.fromObject(this.fields(), { zone: VIETNAM });
  }
}

const DAY = 86_400_000;
const HOUR = 3_600_000;

function daysIn(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Date.UTC, but years 0–99 are years 0–99 (Date.UTC reads them as 1900–1999). */
function utc(year: number, month: number, day: number, hour: number, minute: number, second: number, ms: number): number {
  if (year >= 100) return Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const d = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, ms));
  d.setUTCFullYear(year);
  return d.getTime();
}

/**
 * Vietnam's offset (minutes) at a wall time when it is the same for every instant that
 * could show it (offsets were +07:00 to +09:00); undefined near a change, where luxon decides.
 */
function offsetOfWall(local: number): number | undefined {
  const a = VIETNAM.steady(Math.floor((local - 9 * HOUR) / DAY));
  if (a === undefined) return undefined;
  const b = VIETNAM.steady(Math.floor((local - 7 * HOUR) / DAY));
  return a === b ? a : undefined;
}

/** A date format (luxon's tokens), compiled once: write a Wall, read one back. */
export interface Format {
  readonly text: string;
  write(w: Wall): string;
  /** The Wall a wire string shows, or why not: the string does not have the format, or the date does not exist. */
  read(s: string): Wall | 'dateFormat' | 'dateInvalid';
}

type Unit = 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second' | 'ms';
/** The tokens written and read here, each a number: [unit, width when padded, pattern]. */
const TOKENS: Record<string, [Unit, number, string]> = {
  yyyy: ['year', 4, '\\d{4}'],
  MM: ['month', 2, '\\d{2}'], M: ['month', 1, '\\d{1,2}'],
  dd: ['day', 2, '\\d{2}'], d: ['day', 1, '\\d{1,2}'],
  HH: ['hour', 2, '\\d{2}'], H: ['hour', 1, '\\d{1,2}'],
  mm: ['minute', 2, '\\d{2}'], m: ['minute', 1, '\\d{1,2}'],
  ss: ['second', 2, '\\d{2}'], s: ['second', 1, '\\d{1,2}'],
  SSS: ['ms', 3, '\\d{3}'],
};

const formats = new Map<string, Format>();

/** The compiled format, one per text. */
export function format(text: string): Format {
  let f = formats.get(text);
  if (!f) formats.set(text, (f = compile(text) ?? viaLuxon(text)));
  return f;
}

/** luxon's tokenising: runs of one letter are tokens, quoted text and other characters literals. */
function tokens(text: string): { token?: string; literal?: string }[] {
  const out: { token?: string; literal?: string }[] = [];
  for (let i = 0; i < text.length; ) {
    const c = text[i];
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) return [{ token: '?' }]; // unterminated: luxon's own reading applies
      out.push({ literal: end === i + 1 ? "'" : text.slice(i + 1, end) });
      i = end + 1;
    } else if (/[A-Za-z]/.test(c)) {
      let j = i;
      while (text[j] === c) j++;
      out.push({ token: text.slice(i, j) });
      i = j;
    } else {
      out.push({ literal: c });
      i++;
    }
  }
  return out;
}

function compile(text: string): Format | undefined {
  const parts = tokens(text);
  if (parts.some((p) => p.token !== undefined && !TOKENS[p.token])) return undefined;
  const units: Unit[] = [];
  let pattern = '';
  for (const p of parts) {
    if (p.literal !== undefined) pattern += p.literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else {
      const [unit, , re] = TOKENS[p.token!];
      units.push(unit);
      pattern += `(${re})`;
    }
  }
  const regex = new RegExp(`^${pattern}$`);
  const writers = parts.map((p) => {
    if (p.literal !== undefined) return p.literal;
    const [unit, width] = TOKENS[p.token!];
    return [unit, width] as const;
  });
  return {
    text,
    write(w: Wall): string {
      let s = '';
      for (const x of writers) {
        if (typeof x === 'string') s += x;
        else {
          const n = w[x[0]];
          s += x[1] > 1 ? String(n).padStart(x[1], '0') : String(n);
        }
      }
      return s;
    },
    read(s: string) {
      const m = regex.exec(s);
      if (!m) return 'dateFormat';
      const v: Record<Unit, number> = { year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0, ms: 0 };
      for (let i = 0; i < units.length; i++) v[units[i]] = Number(m[i + 1]);
      // luxon takes 24:00 as the next midnight: a roll-over, which the round trip then refuses.
      if (v.hour === 24 && v.minute === 0 && v.second === 0 && v.ms === 0) return 'dateFormat';
      return Wall.of(v.year, v.month, v.day, v.hour, v.minute, v.second, v.ms) ?? 'dateInvalid';
    },
  };
}

/** A format with tokens other than numbers (month names, 12-hour clocks, offsets): luxon writes and reads it. */
function viaLuxon(text: string): Format {
  const parser = DateTime.buildFormatParser(text);
  return {
    text,
    write: (w) => w.toDateTime().toFormat(text),
    read(s) {
      const dt = DateTime.fromFormatParser(s, parser, { zone: VIETNAM });
      if (!dt.isValid) return dt.invalidReason === 'unit out of range' ? 'dateInvalid' : 'dateFormat';
      return Wall.at(dt.toMillis());
    },
  };
}
