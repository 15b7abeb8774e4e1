import type { CursorValue } from '../outbox/store';
import { problem, type Problem } from '../problem';

/**
 * A source's read position over a table of the province's database: the last row
 * taken, by the two columns the rows are ordered by (keyset pagination) — a time
 * (received, updated) and a key that breaks ties. The next page asks for the rows
 * after it, `ORDER BY time, key`, so a page is an index range, never an OFFSET that
 * rereads what came before, and rows that arrive meanwhile are neither skipped nor
 * read twice. The position moves in the outbox transaction that stores the page's
 * records (../engine/commits.ts): a restart reads on from the last committed page.
 */
export interface Columns {
  time: string;
  key: string;
}

/** Values as the database driver gave them: a Date, a string, a number. */
export interface Position {
  time: unknown;
  key: unknown;
}

/** What a source puts on the page message (`msg.cursor`), and what the sync node reads back. */
export interface PageRequest {
  /** The btxh-source node's id. */
  source: string;
  /** The btxh-auth node whose outbox keeps the position: the sync node must use the same one. */
  connection: string;
  /** The position's name in the outbox. */
  name: string;
  /** Pages of one source are numbered; an answer to another page is not this one's. */
  seq: number;
  columns: Columns;
  /** Rows per page. */
  limit: number;
  /** True for the first page: there is no position yet (`after` is null). */
  first: boolean;
  after: Position | null;
  /** The range of a backfill on the time column: from inclusive, to exclusive; null when open. */
  from: string | null;
  to: string | null;
}

/** The page as query parameters, one set of names for every database node (README, "From a database"). */
export interface QueryParams {
  first: boolean;
  afterTime: unknown;
  afterKey: unknown;
  limit: number;
  from: string | null;
  to: string | null;
}

export function queryParams(p: PageRequest): QueryParams {
  return { first: p.first, afterTime: p.after?.time ?? null, afterKey: p.after?.key ?? null, limit: p.limit, from: p.from, to: p.to };
}

/** The same values in a fixed order, for nodes that take positional parameters ($1..$6, ?). */
export const PARAM_ORDER: (keyof QueryParams)[] = ['first', 'afterTime', 'afterKey', 'limit', 'from', 'to'];

/**
 * Kept as JSON in the store. A Date keeps its instant (`{date: ISO}`) and is given back
 * as a Date, so the driver formats it as it formatted the row it came from; a bigint
 * keeps its digits. Anything else a driver gives for an order column (a Buffer) is refused
 * by `positionOf`.
 */
function encodeValue(v: unknown): unknown {
  if (v instanceof Date) return { date: v.toISOString() };
  if (typeof v === 'bigint') return { int: v.toString() };
  return v;
}

function decodeValue(v: unknown): unknown {
  if (v && typeof v === 'object') {
    const o = v as { date?: unknown; int?: unknown };
    if (typeof o.date === 'string') return new Date(o.date);
    if (typeof o.int === 'string') return BigInt(o.int);
  }
  return v;
}

export function encode(p: Position): CursorValue {
  return { time: encodeValue(p.time), key: encodeValue(p.key) };
}

export function decode(v: CursorValue): Position {
  return { time: decodeValue(v.time), key: decodeValue(v.key) };
}

const usable = (v: unknown) =>
  (typeof v === 'string' && v !== '') || (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'bigint' || (v instanceof Date && !Number.isNaN(v.getTime()));

/**
 * The position a page ends at: its last row's order columns. A row without them
 * (a query that does not select them, a NULL) cannot say where the next page starts,
 * so the page is refused rather than read again forever or skipped.
 */
export function positionOf(row: unknown, columns: Columns): Position | Problem {
  const r = row && typeof row === 'object' ? (row as Record<string, unknown>) : {};
  for (const c of [columns.time, columns.key]) {
    if (!usable(r[c])) return problem(c, 'cursorColumn', { column: c });
  }
  return { time: r[columns.time], key: r[columns.key] };
}

const NAME = /^[\p{L}\p{N}_.:@-]{1,120}$/u;

/** A page request as a sync node receives it on `msg.cursor`; undefined when the message is not a source's page. */
export function pageOf(raw: unknown): PageRequest | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const p = raw as Partial<PageRequest>;
  if (typeof p.source !== 'string' || typeof p.connection !== 'string' || typeof p.name !== 'string' || !NAME.test(p.name)) return undefined;
  if (!Number.isInteger(p.seq) || !p.columns || typeof p.columns.time !== 'string' || typeof p.columns.key !== 'string') return undefined;
  return p as PageRequest;
}

/** A position name a person typed: letters, digits and _ . : @ - (the store keys it). */
export function validName(name: string): boolean {
  return NAME.test(name);
}

/** What a page did, as the sync node tells its source (through their connection). */
export interface PageResult {
  source: string;
  seq: number;
  /** The sync node that took the page: its outbox counts tell what was delivered. */
  owner: string;
  rows: number;
  accepted: number;
  skipped: number;
  invalid: number;
  /** Where the next page starts, when this one moved the position. */
  end?: Position;
  /** The page was not (wholly) committed: the position did not move. */
  error?: Problem;
}
