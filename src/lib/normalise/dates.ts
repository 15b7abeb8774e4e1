import type { FieldSpec, OperationSpec } from '../fields/types';
import type { Settings } from '../settings';
import type { Report } from './report';
import { format as compiled, Wall, type Format } from './wall';
import { usableFormat as formatNames } from '../setting-text';

/**
 * D3: every date is read and written in Asia/Ho_Chi_Minh whatever the
 * server's zone. We use the IANA zone (not a fixed +07:00) so that a JS Date a
 * database driver built at local midnight in that zone maps back to the same
 * day, including the years (1943–1975) when the zone was +08:00.
 */
export type Parsed = { ok: true; wall: Wall } | { ok: false; code: 'dateFormat' | 'dateInvalid' | 'dateYearOnly' | 'dateNumber' | 'absent' };

const DMY = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const COMPACT = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2}))?$/;

/** Excel's 1900 date system: serial 1 is 01/01/1900, 60 the 29/02/1900 that never was (Lotus's leap-year bug); the last is 31/12/9999. */
const EXCEL_LAST = 2958465;

/** A spreadsheet's date serial, the fraction being the time of day, as wall-clock time in Vietnam. */
export function parseExcelSerial(n: number): Parsed {
  if (!Number.isFinite(n) || n < 1 || n >= EXCEL_LAST + 1) return { ok: false, code: 'dateNumber' };
  const days = Math.floor(n);
  if (days === 60) return { ok: false, code: 'dateInvalid' };
  const ms = Math.round((n - days) * 86_400_000);
  // Up to the phantom leap day, day 1 is 01/01/1900; after it the days are one fewer.
  const d = new Date(Date.UTC(1899, 11, days < 60 ? 31 : 30) + days * 86_400_000 + ms);
  const wall = Wall.of(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds());
  return wall ? { ok: true, wall } : { ok: false, code: 'dateInvalid' };
}

/** `excel`: the connection reads numbers as spreadsheet serials (off by default: a number is no date). */
export function parseDate(input: unknown, excel = false): Parsed {
  if (input instanceof Date) {
    const t = input.getTime();
    return Number.isNaN(t) ? { ok: false, code: 'dateInvalid' } : { ok: true, wall: Wall.at(t) };
  }
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return { ok: false, code: 'dateFormat' };
    // An 8- or 14-digit integer is a yyyyMMdd[HHmmss] column read as a number:
    // as epoch ms it would fall within a day of 1970-01-01 or after 2400.
    const s = String(input);
    if (Number.isInteger(input) && (s.length === 8 || s.length === 14) && COMPACT.test(s)) return parseString(s);
    if (excel) return parseExcelSerial(input);
    // Any other number is no date: 1950 (a year), 32874 (an Excel serial) or 0 read as epoch
    // milliseconds all become 01/01/1970 — a strict server accepts it and the person's record is wrong.
    // A province whose export is a spreadsheet turns on `excelDates` on the connection.
    return { ok: false, code: 'dateNumber' };
  }
  if (typeof input === 'string') {
    const s = input.trim();
    if (s === '') return { ok: false, code: 'absent' };
    if (s.startsWith('{')) {
      try {
        return parseCitizen(JSON.parse(s));
      } catch {
        return { ok: false, code: 'dateFormat' };
      }
    }
    return parseString(s);
  }
  if (input && typeof input === 'object' && !Array.isArray(input)) return parseCitizen(input as Record<string, unknown>);
  return { ok: false, code: 'dateFormat' };
}

function parseString(s: string): Parsed {
  let m = DMY.exec(s);
  if (m) return build(m[3], m[2], m[1], m[4], m[5], m[6]);
  m = COMPACT.exec(s);
  if (m) return build(m[1], m[2], m[3], m[4], m[5], m[6]);
  m = ISO.exec(s);
  if (m) {
    const offset = m[8] ? offsetMinutes(m[8]) : undefined;
    if (m[8] && offset === undefined) return { ok: false, code: 'dateFormat' };
    const ms = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
    return build(m[1], m[2], m[3], m[4], m[5], m[6], ms, offset);
  }
  return { ok: false, code: 'dateFormat' };
}

/** The citizen table's JSON: {"Nam": "1950", "NgayThangNam": "19500304"}. */
function parseCitizen(o: Record<string, unknown>): Parsed {
  if (!o || typeof o !== 'object') return { ok: false, code: 'dateFormat' };
  const year = o.Nam ?? o.nam;
  const full = o.NgayThangNam ?? o.ngayThangNam ?? o.ngaythangnam;
  const blank = (v: unknown) => v === undefined || v === null || String(v).trim() === '';
  if (blank(full)) {
    // Only the year is known (common for the elderly); a full date would be invented.
    return blank(year) ? { ok: false, code: 'absent' } : { ok: false, code: 'dateYearOnly' };
  }
  const m = COMPACT.exec(String(full).trim());
  if (!m || m[4] !== undefined) return { ok: false, code: 'dateFormat' };
  if (!blank(year) && String(year).trim() !== m[1]) return { ok: false, code: 'dateInvalid' };
  return build(m[1], m[2], m[3]);
}

/** "Z", "+07:00", "+0700", "-05": minutes east of UTC, or undefined when no zone has it. */
function offsetMinutes(text: string): number | undefined {
  if (text === 'Z' || text === 'z') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(text);
  if (!m) return undefined;
  const minutes = Number(m[2]) * 60 + Number(m[3] ?? 0);
  if (minutes > 14 * 60) return undefined;
  return m[1] === '-' ? -minutes : minutes;
}

function build(y: string, mo: string, d: string, h?: string, mi?: string, s?: string, ms = 0, offset?: number): Parsed {
  const wall = Wall.of(Number(y), Number(mo), Number(d), Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0), ms);
  if (!wall) return { ok: false, code: 'dateInvalid' };
  // An instant with Z or an offset becomes Vietnamese wall time.
  return { ok: true, wall: offset === undefined ? wall : Wall.at(wall.local - offset * 60_000) };
}

/**
 * The output format of one date field (D3). Keys tried in order: "XuLyHoSo.ThoiDiemXuLy"
 * (or "progress.ThoiDiemXuLy"), "ThoiDiemXuLy", then "XuLyHoSo"/"progress" for the
 * datetime fields of that operation, so one setting can switch all of them.
 */
export function dateFormat(op: OperationSpec, field: FieldSpec, settings: Pick<Settings, 'dateFormats'>): string {
  return chosenFormat(op, field, settings).text;
}

/** The field's format as chosen, whether it is usable, and compiled: one look-up per date of a record. */
interface Chosen {
  text: string;
  usable: boolean;
  compiled: Format;
}

function chosenFormat(op: OperationSpec, field: FieldSpec, settings: Pick<Settings, 'dateFormats'>): Chosen {
  const formats = settings.dateFormats ?? NONE;
  let byField = chosen.get(formats);
  if (!byField) chosen.set(formats, (byField = new Map()));
  let c = byField.get(field);
  if (c === undefined) {
    const text = choose(op, field, formats);
    const usable = usableFormat(text, field);
    byField.set(field, (c = { text, usable, compiled: usable ? compiled(text) : compiled(DMY_FORMAT) }));
  }
  return c;
}

const NONE: Record<string, string> = {};
/** A connection's formats, chosen once per field (a FieldSpec belongs to one operation). */
const chosen = new WeakMap<Record<string, string>, Map<FieldSpec, Chosen>>();

function choose(op: OperationSpec, field: FieldSpec, f: Record<string, string>): string {
  const own = f[`${op.api}.${field.name}`] ?? f[`${op.id}.${field.name}`] ?? f[field.name];
  if (own) return own;
  if (field.type === 'datetime') {
    const whole = f[op.api] ?? f[op.id];
    if (whole) return whole;
  }
  return field.format ?? (field.type === 'datetime' ? 'dd/MM/yyyy HH:mm:ss' : 'dd/MM/yyyy');
}

/** Per format, for a date and for a datetime field. */
const usable = [new Map<string, boolean>(), new Map<string, boolean>()];

/** A format setting must at least name the year, month and day (and the time for a datetime); memoised per format. */
export function usableFormat(format: string, field: FieldSpec): boolean {
  const known = usable[field.type === 'datetime' ? 1 : 0]!;
  let ok = known.get(format);
  if (ok === undefined) known.set(format, (ok = formatNames(format, field.type)));
  return ok;
}

/** D3: input value -> wire string in the field's format, or undefined with an error reported. */
export function normaliseDate(op: OperationSpec, field: FieldSpec, input: unknown, settings: Settings, report: Report, walls?: Map<string, Wall>): string | undefined {
  const format = chosenFormat(op, field, settings);
  if (!format.usable) {
    report.error(field.name, 'dateFormatSetting', { format: format.text });
    return undefined;
  }
  const parsed = parseDate(input, settings.excelDates);
  if (!parsed.ok) {
    if (parsed.code === 'absent') return undefined;
    report.error(field.name, parsed.code, printable(input));
    return undefined;
  }
  if (!checkDateRange(field, parsed.wall, report)) return undefined;
  walls?.set(field.name, parsed.wall);
  return format.compiled.write(parsed.wall);
}

function printable(input: unknown): { value: string } {
  const s = input instanceof Date ? 'Invalid Date' : typeof input === 'object' ? JSON.stringify(input) : String(input);
  return { value: s.length > 40 ? `${s.slice(0, 40)}…` : s };
}

/** Birth dates before 1900 are placeholders (.NET's 01/01/0001), not people. */
export const FIRST_YEAR = 1900;
export const LAST_YEAR = 2100;

/** A wire string in `format`, Vietnam time (what checkDate reads back), or why it is none. */
export function parseWire(v: string, format: string): Wall | 'dateFormat' | 'dateInvalid' {
  const f = compiled(format);
  const w = f.read(v);
  // Round trip: "1/2/2024" is not dd/MM/yyyy, "24:00:00" is a roll-over.
  return typeof w === 'string' || f.write(w) === v ? w : 'dateFormat';
}

export function checkDate(op: OperationSpec, f: FieldSpec, v: string, s: Settings, report: Report): void {
  const format = dateFormat(op, f, s);
  if (!usableFormat(format, f)) {
    report.error(f.name, 'dateFormatSetting', { format });
    return;
  }
  const w = parseWire(v, format);
  if (typeof w === 'string') report.error(f.name, w, { value: v, format });
  else checkDateRange(f, w, report);
}

const DMY_FORMAT = 'dd/MM/yyyy';

/** Today's start in Vietnam (Wall.dayStart), worked out again only when the day has changed. */
let day = { start: 0, from: Infinity, until: -Infinity };
function today(): number {
  const now = Date.now();
  // Vietnam's offset has not changed since 1975: the day's instants follow from now's wall time.
  if (now >= day.until || now < day.from) {
    const w = Wall.at(now);
    day = { start: w.dayStart, from: now - (w.local - w.dayStart), until: now + (w.dayStart + DAY_MS - w.local) };
  }
  return day.start;
}
const DAY_MS = 86_400_000;

/** Range checks shared with the normaliser. */
export function checkDateRange(f: FieldSpec, w: Wall, report: Report): boolean {
  if (w.year < FIRST_YEAR || w.year > LAST_YEAR) {
    report.error(f.name, 'dateRange', { value: compiled(DMY_FORMAT).write(w), min: FIRST_YEAR, max: LAST_YEAR });
    return false;
  }
  if (f.name === 'NgayThangNamSinh' && w.dayStart > today()) {
    report.error(f.name, 'dateFuture', { value: compiled(DMY_FORMAT).write(w) });
    return false;
  }
  return true;
}
