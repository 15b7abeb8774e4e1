import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'fs';
import { dirname } from 'path';
import { systemClock } from '../clock';
import type { Problem } from '../problem';
import { fail, json, leasedEntry, Row, toEntry, tooNew } from './sql';
import { countByOwner, enqueued, MEMORY_PREFIX, type Counts, type CursorValue, type DeadReason, type EnqueueOptions, type EnqueueResult, type Entry, type Held, type NewEntry, type ReplayFilter, type Store } from './store';
import { LeaseTokens } from './lease';
import { walDamage } from './wal';
import { deadKind, dossierOfKey, eventColumns, keyRanges, tell, toQueued, toWritten, HISTORY_MAX, type Exchange, type JournalEvent, type JournalKind, type JournalRow, type Queued, type QueuedRow } from './journal';

export interface SqliteOptions {
  /** Database file; its directory is created when missing. */
  file: string;
  /** FULL (default): an accepted entry survives a power cut. NORMAL: survives a crash of Node-RED only. */
  synchronous?: 'FULL' | 'NORMAL';
  /** How long to wait for another connection's lock before failing (ms). */
  busyTimeoutMs?: number;
  /** Extra `PRAGMA`s run after the schema is ready, e.g. "max_page_count = 64" (tests simulate a full disk). */
  pragmas?: string[];
  /** Clock in ms, monotonic by default; tests move it to expire leases without sleeping. */
  now?: () => number;
  /**
   * The file was just opened, migrated and checked by this process (./thread.ts does so
   * before its worker opens it): the WAL scan and the integrity check are not run again.
   */
  checked?: boolean;
}

/**
 * A new entry as its row's columns: the record and the rest as JSON text. Made on the
 * caller's thread by ThreadStore, so what crosses to the outbox's thread is text (one copy)
 * rather than objects to clone there and stringify again.
 */
export interface EnqueueRow {
  owner: string;
  op: string;
  key: string;
  hash: string;
  record: string;
  original: string | null;
  meta: string | null;
  facts: string | null;
}

/** The rows of `items`; a record that cannot be JSON (a BigInt, a cycle) throws with the outbox's problem (sql.ts fail). */
export function rowsOf(items: NewEntry[]): EnqueueRow[] {
  try {
    return items.map((e) => ({ owner: e.owner, op: e.op, key: e.key, hash: e.hash, record: JSON.stringify(e.record), original: json(e.original), meta: json(e.meta), facts: json(e.facts) }));
  } catch (err) {
    return fail(err, 'sqlite');
  }
}

/** The WAL's size kept after a checkpoint while the outbox works (journal_size_limit): bounds the disk it takes. */
const WAL_KEPT = 64 * 1024 * 1024;

/** Bump when the schema changes, and add the step from the previous version to `migrate`. */
const VERSION = 11;

/**
 * Entries per owner and state, kept in the transaction that moves them: counts() was a
 * count(*) of every waiting row, 100+ ms with a backfill's million waiting, on every status
 * refresh and every poll of a source, all of it holding the event loop. A move or a delete
 * is counted by a trigger; an insert (only enqueue inserts, always as 'waiting') by enqueue
 * itself, once per owner and transaction: a trigger per inserted row cost 15% of an enqueue.
 */
const STATE_COUNTERS = `
CREATE TRIGGER IF NOT EXISTS entries_counted_move AFTER UPDATE OF state ON entries WHEN OLD.state <> NEW.state BEGIN
  UPDATE counters SET waiting = waiting + (NEW.state = 'waiting') - (OLD.state = 'waiting'),
    inflight = inflight + (NEW.state = 'inflight') - (OLD.state = 'inflight'),
    dead = dead + (NEW.state = 'dead') - (OLD.state = 'dead')
    WHERE owner = NEW.owner;
END;
CREATE TRIGGER IF NOT EXISTS entries_counted_out AFTER DELETE ON entries WHEN OLD.state <> 'delivered' BEGIN
  UPDATE counters SET waiting = waiting - (OLD.state = 'waiting'),
    inflight = inflight - (OLD.state = 'inflight'), dead = dead - (OLD.state = 'dead')
    WHERE owner = OLD.owner;
END;
`;

/**
 * The delivery journal (./journal.ts). Pruned oldest first by id (ids follow the clock), so
 * only the dossier is indexed: one more index would be one more write for every event.
 * An acceptance is not a row (see journal.ts): each event carries its entry's acceptance
 * time (`accepted`) and facts (copied from the entry).
 */
const JOURNAL = `
CREATE TABLE IF NOT EXISTS journal (
  id       INTEGER PRIMARY KEY,
  at       INTEGER NOT NULL,
  accepted INTEGER,
  owner    TEXT    NOT NULL,
  op       TEXT    NOT NULL,
  key      TEXT    NOT NULL,
  dossier  TEXT    NOT NULL,
  entry    INTEGER NOT NULL,
  event    TEXT    NOT NULL,
  attempt  INTEGER,
  exchange TEXT,
  errors   TEXT,
  facts    TEXT
);
CREATE INDEX IF NOT EXISTS journal_dossier ON journal (dossier);
`;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS entries (
  id          INTEGER PRIMARY KEY,
  owner       TEXT    NOT NULL,
  op          TEXT    NOT NULL,
  key         TEXT    NOT NULL,
  hash        TEXT    NOT NULL,
  record      TEXT    NOT NULL,
  original    TEXT,
  meta        TEXT,
  state       TEXT    NOT NULL,
  attempts    INTEGER NOT NULL DEFAULT 0,
  created_at  INTEGER NOT NULL,
  not_before  INTEGER NOT NULL,
  lease_until INTEGER,
  last_error  TEXT,
  reason      TEXT,
  dead_at     INTEGER,
  lease_token TEXT,
  facts       TEXT
);
-- By key alone: a key has a few rows, whose states are read from them, so a change of
-- state (every claim and outcome) leaves this index alone.
CREATE INDEX IF NOT EXISTS entries_by_key ON entries (key);
CREATE INDEX IF NOT EXISTS entries_oldest ON entries (owner, state, created_at);
CREATE TABLE IF NOT EXISTS delivered (
  key   TEXT PRIMARY KEY,
  hash  TEXT NOT NULL,
  owner TEXT NOT NULL,
  at    INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS delivered_at ON delivered (at);
CREATE TABLE IF NOT EXISTS counters (
  owner     TEXT PRIMARY KEY,
  delivered INTEGER NOT NULL DEFAULT 0,
  skipped   INTEGER NOT NULL DEFAULT 0,
  waiting   INTEGER NOT NULL DEFAULT 0,
  inflight  INTEGER NOT NULL DEFAULT 0,
  dead      INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS cursors (
  name  TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  at    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS cursors_at ON cursors (at);
${STATE_COUNTERS}
${JOURNAL}`;

const COLUMNS = `id, owner, op, key, hash, record, original, meta, state, attempts,
  created_at AS created_ms, not_before AS not_before_ms, last_error, reason, dead_at AS dead_ms, lease_token`;
/** What a claim reads: all but the original (Store.claim). */
const CLAIMED = COLUMNS.replace(' original,', '');

/**
 * The outbox in one SQLite file, for one Node-RED process. better-sqlite3 is
 * synchronous: each method runs its statements in one transaction and returns
 * a settled promise, so with synchronous=FULL an enqueue has reached the disk
 * when it resolves. Any database error rejects; nothing is half-written.
 *
 * Times are the process's monotonic clock (src/lib/clock.ts): a wall clock set
 * back or forward neither stalls a retry nor ends a lease early. A new process
 * starts its clock from the wall clock again; `recover` makes what the last
 * run left in flight, waiting or unreported due at once, so its times never matter.
 */
/**
 * The outbox holds personal data: a directory it creates is 0700, the file
 * 0600 (SQLite gives its -wal and -shm files the database file's mode), and
 * files an older version left readable by others are narrowed.
 */
function private_(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  closeSync(openSync(file, 'a', 0o600));
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      if (existsSync(f)) chmodSync(f, 0o600);
    } catch {
      /* not ours to change (another owner): SQLite still opens it */
    }
  }
}

/** An entry as history() and a report read it: no record. */
const QUEUED = 'id, owner, op, key, state, created_at AS created_ms, facts';

/** What an outcome write reads back from the row it moved, for the journal. */
interface Moved {
  id: number;
  owner: string;
  op: string;
  key: string;
  hash: string;
  attempts: number;
  /** When the entry was accepted, and its facts (JSON): every event about it carries them (JOURNAL). */
  created_at: number;
  facts: string | null;
}

function damaged(detail: string): Problem {
  return { field: null, code: 'outboxDamaged', params: { store: 'sqlite', detail } };
}

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly now: () => number;
  private readonly sync: 'FULL' | 'NORMAL';
  private readonly stmts = new Map<string, Database.Statement>();
  private readonly tokens = new LeaseTokens();
  damage?: Problem;

  constructor(opts: SqliteOptions) {
    const sync = opts.synchronous ?? 'FULL';
    if (sync !== 'FULL' && sync !== 'NORMAL') throw new Error(`synchronous must be FULL or NORMAL, not ${String(sync)}`);
    this.sync = sync;
    this.now = opts.now ?? systemClock.now;
    try {
      if (opts.file !== ':memory:') private_(opts.file);
      // Before SQLite opens the file: its recovery drops damaged WAL frames without a word.
      const lost = opts.file === ':memory:' || opts.checked ? undefined : walDamage(`${opts.file}-wal`);
      if (lost) this.damage = damaged(`WAL frame ${lost.at}: ${lost.lostCommits} committed transaction(s) lost`);
      this.db = new Database(opts.file, { timeout: opts.busyTimeoutMs ?? 5000 });
    } catch (err) {
      fail(err, 'sqlite');
    }
    try {
      // WAL: readers never block the writer, and a commit is one append to the log.
      this.db.pragma('journal_mode = WAL');
      this.db.pragma(`synchronous = ${sync}`);
      // Beneficiaries' names and ids must not linger once their rows are gone: deleted
      // content is zeroed, and the WAL is cut back to nothing once the outbox has nothing
      // left to send or report (cutWal), so no old page image of a record stays on disk.
      // While it works, the WAL keeps its size after a checkpoint (up to WAL_KEPT): cut to
      // nothing each time, every commit that followed grew the file again and its fsync
      // wrote the file's size too — 13–15% of an enqueue's and of a drain's time.
      this.db.pragma('secure_delete = ON');
      this.db.pragma(`journal_size_limit = ${WAL_KEPT}`);
      this.migrate();
      const check = opts.checked ? 'ok' : this.db.pragma('quick_check', { simple: true });
      if (check !== 'ok' && !this.damage) this.damage = damaged(String(check));
      for (const p of opts.pragmas ?? []) this.db.pragma(p);
    } catch (err) {
      this.db.close();
      fail(err, 'sqlite');
    }
  }

  async enqueue(items: NewEntry[], opts: EnqueueOptions = {}): Promise<EnqueueResult> {
    const { ids, at } = this.enqueueIds(items, opts);
    return enqueued(items, ids, at);
  }

  /**
   * The enqueue as the ids given to `items` in input order (0: skipped) and the time they were
   * accepted: ThreadStore builds the entries on the caller's thread from the caller's own objects.
   */
  enqueueIds(items: NewEntry[], opts: EnqueueOptions = {}): { ids: number[]; at: number } {
    return this.enqueueRows(rowsOf(items), opts);
  }

  /** The enqueue of entries already in their columns' form (rowsOf): ThreadStore makes them on the caller's thread. */
  enqueueRows(items: EnqueueRow[], opts: EnqueueOptions = {}): { ids: number[]; at: number } {
    // What was delivered of these keys, in one statement (json_each keeps one statement whatever the number of keys).
    const sent = this.st('SELECT key, hash FROM delivered WHERE key IN (SELECT value FROM json_each(?))').raw();
    const insert = this.st(`INSERT INTO entries
      (owner, op, key, hash, record, original, meta, state, attempts, created_at, not_before, facts)
      VALUES (?, ?, ?, ?, ?, ?, ?, 'waiting', 0, ?, ?, ?)`);
    const tally = this.st(`INSERT INTO counters (owner, skipped, waiting) VALUES (?, ?, ?)
      ON CONFLICT (owner) DO UPDATE SET skipped = skipped + excluded.skipped, waiting = waiting + excluded.waiting`);
    return this.tx(() => {
      const now = this.now();
      const ids = new Array<number>(items.length).fill(0);
      const delivered = opts.resend ? undefined : new Map(sent.all(JSON.stringify(items.map((i) => i.key))) as [string, string][]);
      for (let i = 0; i < items.length; i++) {
        const item = items[i];
        if (delivered && delivered.size > 0 && delivered.get(item.key) === item.hash) continue;
        const info = insert.run(item.owner, item.op, item.key, item.hash, item.record, item.original, item.meta, now, now, item.facts);
        ids[i] = Number(info.lastInsertRowid);
      }
      for (let i = 0; i < items.length; i++) if (ids[i] === 0) this.journal(now, items[i], 0, 'skipped');
      if (opts.edited !== undefined) {
        const letter = this.st('SELECT id, owner, op, key, created_at, facts FROM entries WHERE id = ?').get(opts.edited) as Moved | undefined;
        if (letter) this.journal(now, letter, letter.id, 'edited');
      }
      const skipped = countByOwner(items.filter((_, i) => ids[i] === 0));
      const accepted = countByOwner(items.filter((_, i) => ids[i] !== 0));
      for (const owner of new Set([...skipped.keys(), ...accepted.keys()])) tally.run(owner, skipped.get(owner) ?? 0, accepted.get(owner) ?? 0);
      if (opts.cursors) {
        const move = this.st('INSERT INTO cursors (name, value, at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value, at = excluded.at');
        for (const [name, value] of opts.cursors) move.run(name, JSON.stringify(value), now);
      }
      return { ids, at: now };
    }, 'immediate');
  }

  async cursor(name: string): Promise<CursorValue | undefined> {
    const text = this.tx(() => this.st('SELECT value FROM cursors WHERE name = ?').pluck().get(name) as string | undefined, 'deferred');
    return text === undefined ? undefined : (JSON.parse(text) as CursorValue);
  }

  async resetCursor(name: string): Promise<void> {
    this.tx(() => this.st('DELETE FROM cursors WHERE name = ?').run(name), 'immediate');
  }

  async claim(owner: string, limit: number, leaseMs: number): Promise<Entry[]> {
    return this.claimRows(owner, limit, leaseMs).map(toEntry);
  }

  /**
   * The claim as rows (JSON columns as text), leased and in flight: ThreadStore makes them
   * entries on the caller's thread, so the outbox's thread neither parses the records nor
   * copies their objects across — a string crosses as one copy.
   */
  claimRows(owner: string, limit: number, leaseMs: number): Row[] {
    // Only the oldest unfinished entry of a key may go (a newer progress step
    // must not overtake an older one), and never while the key is in flight
    // under a live lease, whoever holds it. An expired lease is a stuck run:
    // its entry is due again, under a new token that fences the old one out.
    // Each state is walked in acceptance order on entries_oldest (owner, state,
    // created_at, then id) and stops at the limit: a walk of the table by id read
    // the delivered rows awaiting their report first — 5,000 a second in a
    // backfill, a quarter of its time — and one by not_before sorted every waiting row.
    // Both rules in one look at the key's other rows (one index seek per candidate, not two).
    const keyFree = `AND NOT EXISTS (SELECT 1 FROM entries p WHERE p.key = e.key AND p.id <> e.id
        AND ((p.id < e.id AND p.state IN ('waiting', 'inflight')) OR (p.state = 'inflight' AND p.lease_until >= @now)))`;
    const waiting = this.st(`SELECT ${CLAIMED} FROM entries e
      WHERE e.owner = @owner AND e.state = 'waiting' AND e.not_before <= @now ${keyFree}
      ORDER BY e.created_at, e.id LIMIT @limit`);
    const stuck = this.st(`SELECT ${CLAIMED} FROM entries e
      WHERE e.owner = @owner AND e.state = 'inflight' AND e.lease_until < @now ${keyFree}
      ORDER BY e.created_at, e.id LIMIT @limit`);
    const lease = this.st(`UPDATE entries SET state = 'inflight', lease_until = ?, lease_token = ? WHERE id = ?`);
    return this.tx(() => {
      const now = this.now();
      const token = this.tokens.next();
      const args = { owner, now, limit: Math.max(0, Math.floor(limit)) };
      const rows = [...(stuck.all(args) as Row[]), ...(waiting.all(args) as Row[])].sort((a, b) => Number(a.id) - Number(b.id)).slice(0, args.limit);
      for (const r of rows) {
        lease.run(now + leaseMs, token, r.id);
        r.lease_token = token;
        r.state = 'inflight';
      }
      return rows;
    }, 'immediate', true);
  }

  async originals(ids: number[]): Promise<Map<number, unknown>> {
    const one = this.st('SELECT original FROM entries WHERE id = ?');
    return this.tx(() => {
      const out = new Map<number, unknown>();
      for (const id of ids) {
        const r = one.get(id) as { original: string | null } | undefined;
        if (r && r.original !== null) out.set(id, JSON.parse(r.original));
      }
      return out;
    }, 'deferred');
  }

  async forget(olderThanMs: number, limit: number): Promise<number> {
    const drop = this.st('DELETE FROM delivered WHERE key IN (SELECT key FROM delivered WHERE at < ? ORDER BY at LIMIT ?)');
    // The oldest `limit` events by id, those of them older than the cut: ids follow the clock,
    // so this stops at the first young event instead of reading the journal through.
    const prune = this.st('DELETE FROM journal WHERE id IN (SELECT id FROM (SELECT id, at FROM journal ORDER BY id LIMIT ?) WHERE at < ?)');
    const unsee = this.st(`DELETE FROM cursors WHERE name IN (SELECT name FROM cursors WHERE at < ? AND substr(name, 1, ${MEMORY_PREFIX.length}) = '${MEMORY_PREFIX}' ORDER BY at LIMIT ?)`);
    const n = this.tx(() => {
      const cut = this.now() - olderThanMs;
      return Math.max(drop.run(cut, limit).changes, prune.run(limit, cut).changes, unsee.run(cut, limit).changes);
    }, 'immediate');
    if (n > 0) this.cutWal();
    return n;
  }

  async delivered(held: Held[], exchange?: Exchange): Promise<number[]> {
    const mark = this.st(`UPDATE entries SET state = 'delivered' WHERE id = ? AND lease_token = ? AND state = 'inflight'
      RETURNING owner, op, key, hash, attempts, created_at, facts`);
    const remember = this.st(`INSERT INTO delivered (key, hash, owner, at) VALUES (?, ?, ?, ?)
      ON CONFLICT (key) DO UPDATE SET hash = excluded.hash, owner = excluded.owner, at = excluded.at`);
    const count = this.st(`INSERT INTO counters (owner, delivered) VALUES (?, ?)
      ON CONFLICT (owner) DO UPDATE SET delivered = delivered + excluded.delivered`);
    // Older versions of the key (lower id: both rows exist, so ids are in acceptance
    // order) must never be sent after this one: dead ones, or waiting ones replayed
    // while this one was on the wire.
    const supersede = this.st(`UPDATE entries SET state = 'dead', reason = 'superseded', lease_until = NULL, lease_token = NULL, dead_at = ?
      WHERE key = ? AND id < ? AND (state = 'waiting' OR (state = 'dead' AND reason IS NOT 'superseded'))
      RETURNING id, owner, op, key, attempts, created_at, facts`);
    return this.tx(() => {
      const now = this.now();
      const written: number[] = [];
      const byOwner = new Map<string, number>();
      const [x] = eventColumns(exchange, undefined);
      for (const h of held) {
        const e = mark.get(h.id, h.lease ?? null) as Moved | undefined;
        if (!e) continue;
        remember.run(e.key, e.hash, e.owner, now);
        this.journal(now, e, h.id, 'delivered', e.attempts + 1, x);
        for (const old of supersede.all(now, e.key, h.id) as Moved[]) this.journal(now, old, old.id, 'superseded');
        byOwner.set(e.owner, (byOwner.get(e.owner) ?? 0) + 1);
        written.push(h.id);
      }
      for (const [owner, n] of byOwner) count.run(owner, n);
      return written;
    }, 'immediate');
  }

  async reported(held: Held[]): Promise<number[]> {
    // The payload holds personal data: once its output is out only key, hash and time stay.
    // (One DELETE per entry: one per claim over json_each measured no faster; the row's indexes are the cost.)
    const drop = this.st(`DELETE FROM entries WHERE id = ? AND lease_token = ? AND state = 'delivered'`);
    const dropped = this.each(held, (h) => drop.run(h.id, h.lease ?? null).changes > 0, true);
    this.cutWal();
    return dropped;
  }

  /**
   * When nothing is waiting, in flight or delivered but not yet reported, the WAL is
   * checkpointed and cut to nothing: what it held of delivered records is gone from the disk
   * (their rows were zeroed in the file: secure_delete). Dead letters stay, as they are kept.
   */
  private cutWal(): void {
    try {
      if (this.st('SELECT coalesce(sum(waiting + inflight), 0) FROM counters').pluck().get() !== 0) return;
      if (this.st(`SELECT EXISTS (SELECT 1 FROM entries WHERE state = 'delivered')`).pluck().get() !== 0) return;
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      /* the next report or retention pass tries again; the write it follows is done */
    }
  }

  async unreported(owner: string, limit: number, leaseMs: number): Promise<Entry[]> {
    const due = this.st(`SELECT ${COLUMNS} FROM entries
      WHERE owner = ? AND state = 'delivered' AND (lease_until IS NULL OR lease_until < ?) ORDER BY id LIMIT ?`);
    const lease = this.st(`UPDATE entries SET lease_until = ?, lease_token = ? WHERE id = ?`);
    return this.tx(() => {
      const now = this.now();
      const token = this.tokens.next();
      const rows = due.all(owner, now, Math.max(0, Math.floor(limit))) as Row[];
      for (const r of rows) lease.run(now + leaseMs, token, r.id);
      return rows.map((r) => leasedEntry(r, token));
    }, 'immediate', true);
  }

  async retry(held: Held[], error: Problem[], delayMs: number, exchange?: Exchange): Promise<number[]> {
    const back = this.st(`UPDATE entries SET state = 'waiting', attempts = attempts + 1,
      not_before = ?, last_error = ?, lease_until = NULL, lease_token = NULL WHERE id = ? AND lease_token = ? AND state = 'inflight'
      RETURNING owner, op, key, attempts, created_at, facts`);
    const err = JSON.stringify(error);
    const [x, p] = eventColumns(exchange, error);
    return this.each(held, (h) => {
      const now = this.now();
      const e = back.get(now + Math.max(0, delayMs), err, h.id, h.lease ?? null) as Moved | undefined;
      if (e) this.journal(now, e, h.id, 'retried', e.attempts, x, p);
      return !!e;
    });
  }

  async dead(held: Held[], reason: DeadReason, error: Problem[], opts: { tried?: boolean; exchange?: Exchange } = {}): Promise<number[]> {
    const bury = this.st(`UPDATE entries SET state = 'dead', reason = ?, last_error = ?, lease_until = NULL, lease_token = NULL,
      attempts = attempts + ?, dead_at = ? WHERE id = ? AND lease_token = ? AND state = 'inflight'
      RETURNING owner, op, key, attempts, created_at, facts`);
    const err = JSON.stringify(error);
    const [x, p] = eventColumns(opts.exchange, error);
    return this.each(held, (h) => {
      const now = this.now();
      const e = bury.get(reason, err, opts.tried ? 1 : 0, now, h.id, h.lease ?? null) as Moved | undefined;
      if (e) this.journal(now, e, h.id, deadKind(reason), opts.tried ? e.attempts : undefined, x, p);
      return !!e;
    });
  }

  async expire(owner: string, budgetMs: number, error: Problem[]): Promise<Entry[]> {
    const stmt = this.st(`UPDATE entries SET state = 'dead', reason = 'undeliverable', last_error = ?, dead_at = ?,
        lease_until = NULL, lease_token = NULL
      WHERE owner = ? AND state = 'waiting' AND created_at < ? RETURNING ${COLUMNS}`);
    return this.tx(() => {
      const now = this.now();
      return this.buried(now, stmt.all(JSON.stringify(error), now, owner, now - budgetMs) as Row[], error);
    }, 'immediate');
  }

  async abandon(owner: string, error: Problem[]): Promise<Entry[]> {
    const stmt = this.st(`UPDATE entries SET state = 'dead', reason = 'undeliverable', last_error = ?, dead_at = ?,
        lease_until = NULL, lease_token = NULL
      WHERE owner = ? AND state IN ('waiting', 'inflight') RETURNING ${COLUMNS}`);
    return this.tx(() => {
      const now = this.now();
      return this.buried(now, stmt.all(JSON.stringify(error), now, owner) as Row[], error);
    }, 'immediate');
  }

  async replay(owner: string, filter: ReplayFilter = {}): Promise<number> {
    const where = ["owner = ?", "state = 'dead'", "reason IS NOT 'superseded'"];
    const args: unknown[] = [owner];
    if (filter.keys) {
      // json_each keeps one statement whatever the number of keys.
      where.push('key IN (SELECT value FROM json_each(?))');
      args.push(JSON.stringify(filter.keys));
    }
    if (filter.reason) {
      where.push('reason = ?');
      args.push(filter.reason);
    }
    const stmt = this.st(`UPDATE entries SET state = 'waiting', attempts = 0, not_before = ?, reason = NULL, dead_at = NULL
      WHERE ${where.join(' AND ')} RETURNING id, owner, op, key, created_at, facts`);
    return this.tx(() => {
      const now = this.now();
      const rows = stmt.all(now, ...args) as Moved[];
      for (const r of rows) this.journal(now, r, r.id, 'replayed');
      return rows.length;
    }, 'immediate');
  }

  /** Renews the lease of entries still held under their token (in flight, or delivered and not yet reported). */
  async extend(held: Held[], leaseMs: number): Promise<number[]> {
    const renew = this.st(`UPDATE entries SET lease_until = ? WHERE id = ? AND lease_token = ? AND state IN ('inflight', 'delivered')`);
    return this.each(held, (h) => renew.run(this.now() + leaseMs, h.id, h.lease ?? null).changes > 0, true);
  }

  async release(held: Held[]): Promise<number[]> {
    const stmt = this.st(`UPDATE entries SET state = 'waiting', lease_until = NULL, lease_token = NULL
      WHERE id = ? AND lease_token = ? AND state = 'inflight'`);
    return this.each(held, (h) => stmt.run(h.id, h.lease ?? null).changes > 0, true);
  }

  /**
   * The file belongs to one Node-RED process (see docs/durability.md): when a
   * node's sender starts, nothing of that node can still be on the wire, so
   * what is marked in flight was left by a run that died. Send it again now,
   * report what it delivered and did not report, and drop the waits it set
   * (they were counted on its clock).
   */
  async recover(owner: string): Promise<number> {
    const back = this.st(`UPDATE entries SET state = 'waiting', lease_until = NULL, lease_token = NULL WHERE owner = ? AND state = 'inflight'`);
    const unreported = this.st(`UPDATE entries SET lease_until = NULL WHERE owner = ? AND state = 'delivered'`);
    const due = this.st(`UPDATE entries SET not_before = ? WHERE owner = ? AND state = 'waiting' AND not_before > ?`);
    return this.tx(() => {
      const n = back.run(owner).changes;
      unreported.run(owner);
      const now = this.now();
      due.run(now, owner, now);
      return n;
    }, 'immediate');
  }

  async counts(owner: string): Promise<Counts> {
    // One index seek per state (entries_oldest); "state IN (…)" read every waiting row.
    const oldest = this.st(`SELECT min(m) FROM (SELECT min(created_at) AS m FROM entries WHERE owner = @owner AND state = 'waiting'
      UNION ALL SELECT min(created_at) FROM entries WHERE owner = @owner AND state = 'inflight')`).pluck();
    const kept = this.st('SELECT waiting, inflight, dead, delivered, skipped FROM counters WHERE owner = ?');
    return this.tx(() => {
      const n = kept.get(owner) as Omit<Counts, 'oldestMs'> | undefined;
      const c: Counts = { waiting: 0, inflight: 0, dead: 0, delivered: 0, skipped: 0, ...n, oldestMs: 0 };
      const first = oldest.get({ owner }) as number | null;
      if (first !== null) c.oldestMs = Math.max(0, this.now() - first);
      return c;
    }, 'deferred');
  }

  async deadLetters(owner: string, limit = 100): Promise<Entry[]> {
    const stmt = this.st(`SELECT ${COLUMNS} FROM entries WHERE owner = ? AND state = 'dead' ORDER BY id LIMIT ?`);
    return this.tx(() => (stmt.all(owner, Math.max(0, Math.floor(limit))) as Row[]).map(toEntry), 'deferred');
  }

  async history(dossier: string, limit = HISTORY_MAX): Promise<JournalEvent[]> {
    const events = this.st('SELECT * FROM journal WHERE dossier = ? ORDER BY id');
    // Its queued entries, by the key index: "op:MaHoSo" or "op:MaHoSo|…" for each operation.
    const ranges = keyRanges(dossier);
    const queued = this.st(`SELECT ${QUEUED} FROM entries WHERE ${ranges.map(() => '(key = ? OR (key >= ? AND key < ?))').join(' OR ')}`);
    return this.tx(() => {
      const rows = (events.all(dossier) as JournalRow[]).map(toWritten);
      return tell(rows, (queued.all(...ranges.flat()) as QueuedRow[]).map(toQueued), dossier, limit);
    }, 'deferred');
  }

  async events(from: number, after: number, limit: number): Promise<{ events: JournalEvent[]; next: number }> {
    const stmt = this.st('SELECT * FROM journal WHERE id > ? AND at >= ? ORDER BY id LIMIT ?');
    return this.tx(() => {
      const rows = (stmt.all(after, from, Math.max(0, Math.floor(limit))) as JournalRow[]).map(toWritten);
      return { events: rows.map((w) => w.event), next: rows.length ? rows[rows.length - 1].seq : after };
    }, 'deferred');
  }

  async queued(after: number, limit: number): Promise<Queued[]> {
    const stmt = this.st(`SELECT ${QUEUED} FROM entries WHERE id > ? AND state <> 'delivered' ORDER BY id LIMIT ?`);
    return this.tx(() => (stmt.all(after, Math.max(0, Math.floor(limit))) as QueuedRow[]).map(toQueued), 'deferred');
  }

  async close(): Promise<void> {
    this.closeNow();
  }

  /** Closing checkpoints the WAL into the main file; a second close is harmless. */
  closeNow(): void {
    if (this.db.open) this.db.close();
  }

  /** Tests only (through ThreadStore.pragma): a full disk, a read-only file. */
  pragma(text: string): unknown {
    return this.db.pragma(text, { simple: true });
  }

  /** Prepared once per SQL text: the hot paths (enqueue, claim) run thousands of times. */
  private st(sql: string): Database.Statement {
    let s = this.stmts.get(sql);
    if (!s) {
      try {
        s = this.db.prepare(sql);
      } catch (err) {
        fail(err, 'sqlite');
      }
      this.stmts.set(sql, s);
    }
    return s;
  }


  /** One journal event, inside the caller's transaction. */
  private journal(at: number, e: { owner: string; op: string; key: string; created_at?: number; facts?: string | null }, entry: number, event: JournalKind, attempt?: number, exchange: string | null = null, errors: string | null = null): void {
    this.st(`INSERT INTO journal (at, accepted, owner, op, key, dossier, entry, event, attempt, exchange, errors, facts)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(at, e.created_at ?? null, e.owner, e.op, e.key, dossierOfKey(e.key), entry, event, attempt ?? null, exchange, errors, e.facts ?? null);
  }

  /** Rows just made dead letters by expire or abandon: journalled, as entries in id order. */
  private buried(at: number, rows: Row[], error: Problem[]): Entry[] {
    const [, p] = eventColumns(undefined, error);
    const entries = rows.map(toEntry).sort((a, b) => a.id - b.id);
    for (const e of entries) this.journal(at, { ...e, created_at: e.createdAt, facts: json(e.facts) }, e.id, 'dead', undefined, null, p);
    return entries;
  }

  /** One write per held entry, in one transaction; the ids for which `write` wrote. */
  private each(held: Held[], write: (h: Held) => boolean, lease = false): number[] {
    return this.tx(() => held.filter(write).map((h) => h.id), 'immediate', lease);
  }

  /** Runs `fn` in one transaction; a database error becomes a rejection with a problem attached. */
  /**
   * `lease`: the transaction only takes, renews or gives back a lease, or drops a reported
   * entry — writes that a power cut may undo without losing or repeating a record (the
   * entry is due again at start, as after a crash; a delivered one is reported again).
   * With synchronous=FULL such a commit skips its fsync (NORMAL for that one commit); the
   * next FULL commit — an enqueue or an outcome — syncs it with its own. Claims and reports
   * were two of the three fsyncs of every delivered batch: 37% of a backfill's time.
   */
  private tx<T>(fn: () => T, mode: 'deferred' | 'immediate', lease = false): T {
    const relax = lease && this.sync === 'FULL';
    try {
      if (relax) this.db.pragma('synchronous = NORMAL');
      // IMMEDIATE takes the write lock first, so a claim cannot read a key as free
      // and then lose the race to write it.
      return this.db.transaction(fn)[mode]();
    } catch (err) {
      return fail(err, 'sqlite');
    } finally {
      if (relax) this.db.pragma('synchronous = FULL');
    }
  }

  private migrate(): void {
    const version = () => this.db.pragma('user_version', { simple: true }) as number;
    const seen = version();
    if (seen > VERSION) tooNew('sqlite', seen, VERSION);
    if (seen === VERSION) return;
    this.db.transaction(() => {
      // Read again under the write lock: another connection may have migrated meanwhile.
      const found = version();
      if (found > VERSION) tooNew('sqlite', found, VERSION);
      if (found === VERSION) return;
      if (found === 0) {
        // An empty file: the current schema at once.
        this.db.exec(SCHEMA);
      } else {
        // 1 -> 2: dead letters record when they died (NULL for those that died before).
        if (found < 2) this.db.exec('ALTER TABLE entries ADD COLUMN dead_at INTEGER');
        // 2 -> 3: outcome writes are fenced by the claim's token; delivered entries
        // wait for their output to be reported; "delivered" counts deliveries per owner
        // (started from the keys each owner delivered last, the old meaning).
        if (found < 3) {
          this.db.exec(`ALTER TABLE entries ADD COLUMN lease_token TEXT;
            CREATE TABLE IF NOT EXISTS counters (owner TEXT PRIMARY KEY, delivered INTEGER NOT NULL DEFAULT 0);
            INSERT INTO counters (owner, delivered) SELECT owner, count(*) FROM delivered GROUP BY owner;
            UPDATE entries SET state = 'waiting', lease_until = NULL WHERE state = 'inflight';`);
        }
        // 3 -> 4: the retention of delivered data forgets the oldest deliveries first.
        if (found < 4) this.db.exec('CREATE INDEX IF NOT EXISTS delivered_at ON delivered (at)');
        // 4 -> 5: the status's "oldest waiting" is two index seeks, not a read of every waiting row
        // (90 ms with 100,000 waiting, every status refresh: it held the event loop).
        if (found < 5) this.db.exec('CREATE INDEX IF NOT EXISTS entries_oldest ON entries (owner, state, created_at)');
        // 5 -> 6: records skipped as already delivered are counted with the deliveries (the status shows both).
        if (found < 6) this.db.exec('ALTER TABLE counters ADD COLUMN skipped INTEGER NOT NULL DEFAULT 0');
        // 6 -> 7: a source's read position moves in the transaction that stores what it read.
        if (found < 7) this.db.exec('CREATE TABLE IF NOT EXISTS cursors (name TEXT PRIMARY KEY, value TEXT NOT NULL)');
        // 7 -> 8: entries per state are counted as they move, started from a count of what is
        // there; the indexes that every claim and delivery wrote to and no hot query reads go
        // (entries_claim: entries_oldest serves its queries; entries_key by key and state
        // becomes entries_by_key, by key; delivered_owner: read by no query).
        if (found < 8) {
          this.db.exec(`DROP INDEX IF EXISTS entries_claim;
            DROP INDEX IF EXISTS entries_key;
            DROP INDEX IF EXISTS delivered_owner;
            CREATE INDEX IF NOT EXISTS entries_by_key ON entries (key);
            ALTER TABLE counters ADD COLUMN waiting INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE counters ADD COLUMN inflight INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE counters ADD COLUMN dead INTEGER NOT NULL DEFAULT 0;
            INSERT INTO counters (owner) SELECT DISTINCT owner FROM entries WHERE true ON CONFLICT (owner) DO NOTHING;
            UPDATE counters SET
              waiting = (SELECT count(*) FROM entries e WHERE e.owner = counters.owner AND e.state = 'waiting'),
              inflight = (SELECT count(*) FROM entries e WHERE e.owner = counters.owner AND e.state = 'inflight'),
              dead = (SELECT count(*) FROM entries e WHERE e.owner = counters.owner AND e.state = 'dead');
            ${STATE_COUNTERS}`);
        }
        // 8 -> 9: a reported entry (delivered) is counted by no state counter: its delete no
        // longer runs the trigger's update of the counters row (one more write a record).
        if (found < 9) this.db.exec(`DROP TRIGGER IF EXISTS entries_counted_out;\n${STATE_COUNTERS}`);
        // 9 -> 10: the delivery journal, from now on (nothing earlier was kept to fill it from).
        if (found < 10) this.db.exec(`ALTER TABLE entries ADD COLUMN facts TEXT;\n${JOURNAL}`);
        // 10 -> 11: a cursor knows when it was last written, so retention forgets old memories (MEMORY_PREFIX).
        if (found < 11) {
          const has = (this.db.pragma('table_info(cursors)') as { name: string }[]).some((c) => c.name === 'at');
          if (!has) this.db.exec('ALTER TABLE cursors ADD COLUMN at INTEGER NOT NULL DEFAULT 0');
          this.db.exec('CREATE INDEX IF NOT EXISTS cursors_at ON cursors (at)');
        }
      }
      this.db.pragma(`user_version = ${VERSION}`);
    }).immediate();
  }
}
