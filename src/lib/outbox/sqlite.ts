import Database from 'better-sqlite3';
import { mkdirSync } from 'fs';
import { dirname } from 'path';
import type { Problem } from '../problem';
import { fail, json, Row, toEntry, tooNew } from './sql';
import type { Counts, DeadReason, EnqueueResult, Entry, NewEntry, ReplayFilter, Store } from './store';

export interface SqliteOptions {
  /** Database file; its directory is created when missing. */
  file: string;
  /** FULL (default): an accepted entry survives a power cut. NORMAL: survives a crash of Node-RED only. */
  synchronous?: 'FULL' | 'NORMAL';
  /** How long to wait for another connection's lock before failing (ms). */
  busyTimeoutMs?: number;
  /** Extra `PRAGMA`s run after the schema is ready, e.g. "max_page_count = 64" (tests simulate a full disk). */
  pragmas?: string[];
  /** Clock in epoch ms; tests move it to expire leases without sleeping. */
  now?: () => number;
}

/** Bump when the schema changes, and add the step from the previous version to `migrate`. */
const VERSION = 2;

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
  dead_at     INTEGER
);
CREATE INDEX IF NOT EXISTS entries_claim ON entries (owner, state, not_before);
CREATE INDEX IF NOT EXISTS entries_key ON entries (key, state);
CREATE TABLE IF NOT EXISTS delivered (
  key   TEXT PRIMARY KEY,
  hash  TEXT NOT NULL,
  owner TEXT NOT NULL,
  at    INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS delivered_owner ON delivered (owner);
`;

const COLUMNS = `id, owner, op, key, hash, record, original, meta, state, attempts,
  created_at AS created_ms, not_before AS not_before_ms, last_error, reason, dead_at AS dead_ms`;

/**
 * The outbox in one SQLite file, for one Node-RED process. better-sqlite3 is
 * synchronous: each method runs its statements in one transaction and returns
 * a settled promise, so with synchronous=FULL an enqueue has reached the disk
 * when it resolves. Any database error rejects; nothing is half-written.
 */
export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly now: () => number;
  private readonly stmts = new Map<string, Database.Statement>();

  constructor(opts: SqliteOptions) {
    const sync = opts.synchronous ?? 'FULL';
    if (sync !== 'FULL' && sync !== 'NORMAL') throw new Error(`synchronous must be FULL or NORMAL, not ${String(sync)}`);
    this.now = opts.now ?? Date.now;
    try {
      if (opts.file !== ':memory:') mkdirSync(dirname(opts.file), { recursive: true });
      this.db = new Database(opts.file, { timeout: opts.busyTimeoutMs ?? 5000 });
    } catch (err) {
      fail(err, 'sqlite');
    }
    try {
      // WAL: readers never block the writer, and a commit is one append to the log.
      this.db.pragma('journal_mode = WAL');
      this.db.pragma(`synchronous = ${sync}`);
      this.migrate();
      for (const p of opts.pragmas ?? []) this.db.pragma(p);
    } catch (err) {
      this.db.close();
      fail(err, 'sqlite');
    }
  }

  async enqueue(items: NewEntry[], opts: { resend?: boolean } = {}): Promise<EnqueueResult> {
    const sent = this.st('SELECT hash FROM delivered WHERE key = ?').pluck();
    const insert = this.st(`INSERT INTO entries
      (owner, op, key, hash, record, original, meta, state, attempts, created_at, not_before)
      VALUES (?, ?, ?, ?, ?, ?, ?, 'waiting', 0, ?, ?)`);
    return this.tx(() => {
      const now = this.now();
      const result: EnqueueResult = { accepted: [], skipped: [] };
      for (const item of items) {
        if (!opts.resend && sent.get(item.key) === item.hash) {
          result.skipped.push(item);
          continue;
        }
        const info = insert.run(item.owner, item.op, item.key, item.hash, JSON.stringify(item.record),
          json(item.original), json(item.meta), now, now);
        result.accepted.push({ ...item, id: Number(info.lastInsertRowid), state: 'waiting', attempts: 0, createdAt: now, notBefore: now });
      }
      return result;
    }, 'immediate');
  }

  async claim(owner: string, limit: number, leaseMs: number): Promise<Entry[]> {
    // Only the oldest unfinished entry of a key may go (a newer progress step
    // must not overtake an older one), and never while the key is in flight
    // under a live lease, whoever holds it. An expired lease is a crashed run:
    // its entry is due again.
    // Walk the table in id order and stop at the limit ("+" keeps the planner off
    // entries_claim, which made it read and sort every waiting row of the owner on
    // each claim: a 100,000-record backlog drained at a few hundred records/s).
    const due = this.st(`SELECT ${COLUMNS} FROM entries e
      WHERE +e.owner = @owner
        AND ((e.state = 'waiting' AND e.not_before <= @now) OR (e.state = 'inflight' AND e.lease_until < @now))
        AND NOT EXISTS (SELECT 1 FROM entries p WHERE p.key = e.key AND p.id < e.id AND p.state IN ('waiting', 'inflight'))
        AND NOT EXISTS (SELECT 1 FROM entries o WHERE o.key = e.key AND o.id <> e.id AND o.state = 'inflight' AND o.lease_until >= @now)
      ORDER BY e.id LIMIT @limit`);
    const lease = this.st(`UPDATE entries SET state = 'inflight', lease_until = ? WHERE id = ?`);
    return this.tx(() => {
      const now = this.now();
      const rows = due.all({ owner, now, limit: Math.max(0, Math.floor(limit)) }) as Row[];
      for (const r of rows) lease.run(now + leaseMs, r.id);
      return rows.map((r) => ({ ...toEntry(r), state: 'inflight' as const }));
    }, 'immediate');
  }

  async delivered(ids: number[]): Promise<void> {
    const get = this.st('SELECT owner, key, hash FROM entries WHERE id = ?');
    const remember = this.st(`INSERT INTO delivered (key, hash, owner, at) VALUES (?, ?, ?, ?)
      ON CONFLICT (key) DO UPDATE SET hash = excluded.hash, owner = excluded.owner, at = excluded.at`);
    // The payload holds personal data: once delivered only key, hash and time stay.
    const drop = this.st('DELETE FROM entries WHERE id = ?');
    // Older versions of the key (lower id: both rows exist, so ids are in acceptance
    // order) must never be sent after this one: dead ones, or waiting ones replayed
    // while this one was on the wire.
    const supersede = this.st(`UPDATE entries SET state = 'dead', reason = 'superseded', lease_until = NULL, dead_at = ?
      WHERE key = ? AND id < ? AND (state = 'waiting' OR (state = 'dead' AND reason IS NOT 'superseded'))`);
    this.tx(() => {
      const now = this.now();
      for (const id of ids) {
        const e = get.get(id) as { owner: string; key: string; hash: string } | undefined;
        if (!e) continue;
        remember.run(e.key, e.hash, e.owner, now);
        supersede.run(now, e.key, id);
        drop.run(id);
      }
    }, 'immediate');
  }

  async retry(ids: number[], error: Problem[], notBefore: number): Promise<void> {
    const back = this.st(`UPDATE entries SET state = 'waiting', attempts = attempts + 1,
      not_before = ?, last_error = ?, lease_until = NULL WHERE id = ? AND state <> 'dead'`);
    this.tx(() => {
      const err = JSON.stringify(error);
      for (const id of ids) back.run(notBefore, err, id);
    }, 'immediate');
  }

  async dead(ids: number[], reason: DeadReason, error: Problem[], opts: { tried?: boolean } = {}): Promise<void> {
    const bury = this.st(`UPDATE entries SET state = 'dead', reason = ?, last_error = ?, lease_until = NULL,
      attempts = attempts + ?, dead_at = ? WHERE id = ?`);
    this.tx(() => {
      const err = JSON.stringify(error);
      const now = this.now();
      for (const id of ids) bury.run(reason, err, opts.tried ? 1 : 0, now, id);
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
      WHERE ${where.join(' AND ')}`);
    return this.tx(() => stmt.run(this.now(), ...args).changes, 'immediate');
  }

  /**
   * The file belongs to one process, so an entry in flight is this process's:
   * renew its lease. Entries no longer in flight (delivered, retried, dead,
   * released) are left as they are.
   */
  async extend(ids: number[], leaseMs: number): Promise<void> {
    const renew = this.st(`UPDATE entries SET lease_until = ? WHERE id = ? AND state = 'inflight'`);
    this.tx(() => {
      const until = this.now() + leaseMs;
      for (const id of ids) renew.run(until, id);
    }, 'immediate');
  }

  async release(owner: string): Promise<void> {
    const stmt = this.st(`UPDATE entries SET state = 'waiting', lease_until = NULL WHERE owner = ? AND state = 'inflight'`);
    this.tx(() => stmt.run(owner), 'immediate');
  }

  /**
   * The file belongs to one Node-RED process (see docs/durability.md): when a
   * node's sender starts, nothing of that node can still be on the wire, so
   * what is marked in flight was left by a run that died. Send it again now.
   */
  async recover(owner: string): Promise<number> {
    const stmt = this.st(`UPDATE entries SET state = 'waiting', lease_until = NULL WHERE owner = ? AND state = 'inflight'`);
    return this.tx(() => stmt.run(owner).changes, 'immediate');
  }

  async counts(owner: string): Promise<Counts> {
    const by = this.st('SELECT state, count(*) AS n FROM entries WHERE owner = ? GROUP BY state');
    const oldest = this.st(`SELECT min(created_at) FROM entries WHERE owner = ? AND state IN ('waiting', 'inflight')`).pluck();
    const sent = this.st('SELECT count(*) FROM delivered WHERE owner = ?').pluck();
    return this.tx(() => {
      const c: Counts = { waiting: 0, inflight: 0, dead: 0, delivered: sent.get(owner) as number, oldestMs: 0 };
      for (const r of by.all(owner) as { state: string; n: number }[]) {
        if (r.state === 'waiting' || r.state === 'inflight' || r.state === 'dead') c[r.state] = r.n;
      }
      const first = oldest.get(owner) as number | null;
      if (first !== null) c.oldestMs = Math.max(0, this.now() - first);
      return c;
    }, 'deferred');
  }

  async deadLetters(owner: string, limit = 100): Promise<Entry[]> {
    const stmt = this.st(`SELECT ${COLUMNS} FROM entries WHERE owner = ? AND state = 'dead' ORDER BY id LIMIT ?`);
    return this.tx(() => (stmt.all(owner, Math.max(0, Math.floor(limit))) as Row[]).map(toEntry), 'deferred');
  }

  async close(): Promise<void> {
    // Closing checkpoints the WAL into the main file; a second close is harmless.
    if (this.db.open) this.db.close();
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

  /** Runs `fn` in one transaction; a database error becomes a rejection with a problem attached. */
  private tx<T>(fn: () => T, mode: 'deferred' | 'immediate'): T {
    try {
      // IMMEDIATE takes the write lock first, so a claim cannot read a key as free
      // and then lose the race to write it.
      return this.db.transaction(fn)[mode]();
    } catch (err) {
      fail(err, 'sqlite');
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
      }
      this.db.pragma(`user_version = ${VERSION}`);
    }).immediate();
  }
}
