import type { Problem } from '../problem';
import type { DeadReason, Entry, EntryState } from './store';

/**
 * What the two SQL stores share: one row shape and the mapping to an Entry,
 * and how a database failure is described to the node that must not
 * acknowledge its input. Neither sqlite nor pg is imported here, so loading
 * one store never loads the other's driver.
 */

/** A row as both stores select it: JSON columns as text, times as epoch ms. */
export interface Row {
  id: number | string;
  owner: string;
  op: string;
  key: string;
  hash: string;
  record: string;
  /** Not selected by a claim. */
  original?: string | null;
  meta: string | null;
  state: string;
  attempts: number;
  created_ms: number;
  not_before_ms: number;
  last_error: string | null;
  reason: string | null;
  /** When it was dead-lettered; NULL unless dead. */
  dead_ms: number | null;
  /** The fencing token of the claim holding it; NULL unless inflight or delivered. */
  lease_token: string | null;
}

/** JSON for a column; undefined (an absent `original` or `meta`) is stored as NULL. */
export function json(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

/** An entry from its row; a claim's rows have no `original` column (Store.claim), and so no original. */
export function toEntry(r: Row): Entry {
  const e: Entry = {
    id: Number(r.id),
    owner: r.owner,
    op: r.op,
    key: r.key,
    hash: r.hash,
    record: JSON.parse(r.record) as Record<string, unknown>,
    state: r.state as EntryState,
    attempts: Number(r.attempts),
    createdAt: Number(r.created_ms),
    notBefore: Number(r.not_before_ms),
  };
  if (r.original !== undefined) e.original = r.original === null ? undefined : (JSON.parse(r.original) as unknown);
  if (r.meta !== null) e.meta = JSON.parse(r.meta) as Record<string, unknown>;
  if (r.last_error !== null) e.lastError = JSON.parse(r.last_error) as Problem[];
  if (r.reason !== null) e.reason = r.reason as DeadReason;
  if (r.dead_ms !== null && r.dead_ms !== undefined) e.deadAt = Number(r.dead_ms);
  if (r.lease_token !== null && r.lease_token !== undefined) e.lease = r.lease_token;
  return e;
}

/**
 * A row that a claim read and then leased: the entry with the lease (and state) the claim gave it,
 * set on it, never as `{ ...toEntry(r), lease }` — a spread followed by new properties is V8's slow path.
 */
export function leasedEntry(r: Row, lease: string, state?: EntryState): Entry {
  const e = toEntry(r);
  if (state) e.state = state;
  e.lease = lease;
  return e;
}

/** Problem codes (messages under errors. in nodes/locales/<lang>/btxh-auth.json) by driver error code: SQLite names and PostgreSQL SQLSTATEs. */
const CODES: Record<string, string> = {
  SQLITE_FULL: 'outboxFull',
  SQLITE_READONLY: 'outboxReadOnly',
  SQLITE_CANTOPEN: 'outboxUnavailable',
  SQLITE_BUSY: 'outboxBusy',
  SQLITE_LOCKED: 'outboxBusy',
  SQLITE_IOERR: 'outboxUnavailable',
  ENOTDIR: 'outboxUnavailable',
  EEXIST: 'outboxUnavailable', // a file where the directory should be
  EISDIR: 'outboxUnavailable', // a directory where the file should be
  EACCES: 'outboxUnavailable',
  EROFS: 'outboxReadOnly',
  ENOSPC: 'outboxFull',
  ECONNREFUSED: 'outboxUnavailable',
  ENOTFOUND: 'outboxUnavailable',
  ETIMEDOUT: 'outboxUnavailable',
  '53100': 'outboxFull', // disk_full
  '53200': 'outboxFull', // out_of_memory
  '25006': 'outboxReadOnly', // read_only_sql_transaction (a hot standby)
  '57P01': 'outboxUnavailable', // admin_shutdown
  '57P03': 'outboxUnavailable', // cannot_connect_now
  '28P01': 'outboxUnavailable', // invalid_password
  '3D000': 'outboxUnavailable', // invalid_catalog_name (no such database)
};

/**
 * Rethrows a driver error with a `problem` the adapter can render in vi/en.
 * The driver's own error object (code, stack) is kept: the caller decides,
 * and a failed write is never reported as accepted.
 */
export function fail(err: unknown, store: 'sqlite' | 'postgres'): never {
  const e = err instanceof Error ? err : new Error(String(err));
  if ((e as { problem?: unknown }).problem) throw e; // already described (e.g. tooNew)
  const raw = (e as { code?: unknown }).code;
  const code = typeof raw === 'string' ? raw : '';
  // SQLite extended codes (SQLITE_READONLY_DBMOVED, SQLITE_IOERR_WRITE…) map by their base code.
  const base = code.startsWith('SQLITE_') ? code.split('_').slice(0, 2).join('_') : code;
  const p: Problem = { field: null, code: CODES[code] ?? CODES[base] ?? 'outboxFailed', params: { store, detail: e.message } };
  Object.assign(e, { problem: p });
  throw e;
}

/** The file or table was written by a newer version of this package: refuse rather than guess. */
export function tooNew(store: 'sqlite' | 'postgres', found: number, known: number): never {
  const e = new Error(`outbox schema version ${found} is newer than this package knows (${known})`);
  Object.assign(e, { code: 'OUTBOX_SCHEMA', problem: { field: null, code: 'outboxSchema', params: { store, found, known } } });
  throw e;
}
