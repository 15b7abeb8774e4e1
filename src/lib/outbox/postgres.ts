import type { Pool, PoolClient } from 'pg';
import type { Problem } from '../problem';
import { fail, json, Row, toEntry, tooNew } from './sql';
import { acceptedEntry, countByOwner, MEMORY_PREFIX, type Counts, type CursorValue, type DeadReason, type EnqueueOptions, type EnqueueResult, type Entry, type Held, type NewEntry, type ReplayFilter, type Store } from './store';
import { LeaseTokens } from './lease';
import { deadKind, eventColumns, keyRanges, tell, toQueued, toWritten, HISTORY_MAX, type Exchange, type JournalEvent, type JournalKind, type JournalRow, type Queued, type QueuedRow } from './journal';

export interface PostgresOptions {
  connectionString: string;
  /** Schema holding the outbox tables; created when missing. */
  schema?: string;
  /** Table name; `<table>_delivered` and `<table>_schema` sit beside it. */
  table?: string;
  /** Connections in this instance's pool. */
  poolSize?: number;
}

/** Bump when the schema changes, and add the step from the previous version in `migrate`. */
const VERSION = 9;

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,50}$/;

/** A journal row as ./journal.ts's JournalRow: times as epoch ms. */
const EVENT = `id, floor(extract(epoch FROM at) * 1000)::float8 AS at, floor(extract(epoch FROM accepted) * 1000)::float8 AS accepted,
  owner, op, key, dossier, entry, event, attempt, exchange, errors, facts`;
/** An entry as history() and a report read it: no record. */
const QUEUED = 'id, owner, op, key, state, floor(extract(epoch FROM created_at) * 1000)::float8 AS created_ms, facts';

/** MaHoSo from a row's key, as journal.ts's dossierOfKey: the first key field after "op:". */
const DOSSIER = `split_part(substr(key, strpos(key, ':') + 1), '|', 1)`;

/**
 * The outbox in PostgreSQL, shared by several Node-RED instances running the
 * same flow (so the same owner). Instances never hand out one entry twice:
 * claims lock rows with FOR UPDATE SKIP LOCKED, and a partial unique index
 * allows one in-flight entry per key. Times (created, not before, leases, dead) are
 * the database's clock, so instances whose clocks drift, or jump, still agree.
 * Every claim has its own lease token and every outcome write names it: an
 * instance that stalled past its lease (a GC pause, a frozen VM) and wakes up
 * cannot write over the instance that took its entries over.
 */
export class PostgresStore implements Store {
  private readonly pool: Pool;
  private readonly tokens = new LeaseTokens();
  private readonly t: string;
  private readonly d: string;
  private readonly v: string;
  private readonly n: string;
  /** Read positions of sources (../source/cursor.ts), moved in the enqueue that stores what was read. */
  private readonly r: string;
  /** The delivery journal (./journal.ts). */
  private readonly j: string;
  private readonly schema: string;
  /** The table name alone, for its index names. */
  private readonly table: string;
  private readonly lockName: string;
  private ready?: Promise<void>;
  private closed = false;

  constructor(opts: PostgresOptions) {
    // pg would otherwise fall back to PGHOST/localhost: a forgotten setting must not pick a database.
    if (typeof opts.connectionString !== 'string' || !opts.connectionString.trim()) {
      throw Object.assign(new Error('the PostgreSQL outbox needs a connection string'), {
        problem: { field: null, code: 'outboxUnavailable', params: { store: 'postgres', detail: 'no connection string' } },
      });
    }
    const schema = opts.schema ?? 'btxh';
    const table = opts.table ?? 'outbox';
    for (const n of [schema, table]) if (!NAME.test(n)) throw new Error(`invalid PostgreSQL name for the outbox: ${n}`);
    this.schema = schema;
    this.table = table;
    this.t = `"${schema}"."${table}"`;
    this.d = `"${schema}"."${table}_delivered"`;
    this.v = `"${schema}"."${table}_schema"`;
    this.n = `"${schema}"."${table}_counters"`;
    this.r = `"${schema}"."${table}_cursors"`;
    this.j = `"${schema}"."${table}_journal"`;
    this.lockName = `btxh-outbox:${schema}.${table}`;
    // Loaded here, not at the top: flows on another store never load pg.
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const pg = require('pg') as typeof import('pg');
    this.pool = new pg.Pool({
      connectionString: opts.connectionString,
      max: opts.poolSize ?? 4,
      // A database that is down must reject (the input is then not acknowledged), not hang.
      connectionTimeoutMillis: 10_000,
    });
    // An idle connection dropped by the server emits 'error' on the pool, which
    // would crash Node-RED unhandled; the next query reports the failure instead.
    this.pool.on('error', () => undefined);
  }

  async enqueue(items: NewEntry[], opts: EnqueueOptions = {}): Promise<EnqueueResult> {
    return this.tx(async (c) => {
      const result: EnqueueResult = { accepted: [], skipped: [] };
      if (opts.cursors?.size) {
        await c.query(
          `INSERT INTO ${this.r} (name, value) SELECT * FROM unnest($1::text[], $2::text[])
           ON CONFLICT (name) DO UPDATE SET value = excluded.value, at = now()`, [[...opts.cursors.keys()], [...opts.cursors.values()].map((v) => JSON.stringify(v))]);
      }
      let fresh = items;
      if (!opts.resend && items.length) {
        const { rows } = await c.query<{ key: string; hash: string }>(
          `SELECT key, hash FROM ${this.d} WHERE key = ANY($1::text[])`, [[...new Set(items.map((i) => i.key))]]);
        const sent = new Map(rows.map((r) => [r.key, r.hash]));
        fresh = items.filter((i) => (sent.get(i.key) === i.hash ? (result.skipped.push(i), false) : true));
        if (result.skipped.length) {
          const by = countByOwner(result.skipped);
          await c.query(
            `INSERT INTO ${this.n} (owner, skipped) SELECT * FROM unnest($1::text[], $2::bigint[])
             ON CONFLICT (owner) DO UPDATE SET skipped = ${this.n}.skipped + excluded.skipped`, [[...by.keys()], [...by.values()]]);
          const skip = result.skipped;
          await c.query(
            `WITH s AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS u(owner, op, key, facts, n)),
             j AS (SELECT 0::bigint AS id, owner, op, key, NULL::int AS attempts, NULL::timestamptz AS created_at, facts FROM s ORDER BY n)
             ${this.journal('j', 'skipped')}`, [skip.map((i) => i.owner), skip.map((i) => i.op), skip.map((i) => i.key), skip.map((i) => json(i.facts))]);
        }
      }
      if (opts.edited !== undefined) {
        await c.query(`WITH j AS (SELECT id, owner, op, key, NULL::int AS attempts, created_at, facts FROM ${this.t} WHERE id = $1) ${this.journal('j', 'edited')}`, [opts.edited]);
      }
      if (!fresh.length) return result;
      const col = <K extends keyof NewEntry>(k: K, f: (v: NewEntry[K]) => unknown = (v) => v) => fresh.map((i) => f(i[k]));
      const { rows } = await c.query<{ id: string; ms: number }>(
        `INSERT INTO ${this.t} (owner, op, key, hash, record, original, meta, state, attempts, created_at, not_before, facts)
         SELECT o, p, k, h, r::json, g::json, m::json, 'waiting', 0, now(), now(), f
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
           WITH ORDINALITY AS u(o, p, k, h, r, g, m, f, n)
         ORDER BY n
         RETURNING id, floor(extract(epoch FROM created_at) * 1000)::float8 AS ms`,
        [col('owner'), col('op'), col('key'), col('hash'), col('record', JSON.stringify), col('original', json), col('meta', json), col('facts', json)]);
      // Ids come from one sequence in row order: ascending ids match the input order.
      const ids = rows.map((r) => Number(r.id)).sort((a, b) => a - b);
      const ms = rows.length ? rows[0].ms : 0;
      fresh.forEach((item, n) => {
        result.accepted.push(acceptedEntry(item, ids[n], ms));
      });
      return result;
    });
  }

  async cursor(name: string): Promise<CursorValue | undefined> {
    const { rows } = await this.run(`SELECT value FROM ${this.r} WHERE name = $1`, [name]);
    return rows.length ? (JSON.parse(rows[0].value) as CursorValue) : undefined;
  }

  async resetCursor(name: string): Promise<void> {
    await this.run(`DELETE FROM ${this.r} WHERE name = $1`, [name]);
  }

  async claim(owner: string, limit: number, leaseMs: number): Promise<Entry[]> {
    // One statement: lock due rows (skipping rows another instance is claiming),
    // lease them. Only the oldest unfinished entry of a key is due, and none
    // while another entry of the key is in flight. An expired lease is a crashed
    // instance: its entry is due again.
    // Each state is walked in id order on (owner, state, id) and stops at the limit: a walk
    // of the primary key read first the delivered rows waiting a second for their report
    // (5,000 in a backfill), on every claim.
    const keyFree = `AND NOT EXISTS (SELECT 1 FROM ${this.t} p WHERE p.key = e.key AND p.id < e.id AND p.state IN ('waiting', 'inflight'))
          AND NOT EXISTS (SELECT 1 FROM ${this.t} o WHERE o.key = e.key AND o.id <> e.id AND o.state = 'inflight')`;
    const sql = `WITH waiting AS (
        SELECT e.id FROM ${this.t} e
        WHERE e.owner = $1 AND e.state = 'waiting' AND e.not_before <= now() ${keyFree}
        ORDER BY e.id LIMIT $2 FOR UPDATE SKIP LOCKED
      ), stuck AS (
        SELECT e.id FROM ${this.t} e
        WHERE e.owner = $1 AND e.state = 'inflight' AND e.lease_until < now() ${keyFree}
        ORDER BY e.id LIMIT $2 FOR UPDATE SKIP LOCKED
      ), due AS (SELECT id FROM (SELECT id FROM waiting UNION ALL SELECT id FROM stuck) u ORDER BY id LIMIT $2)
      UPDATE ${this.t} x SET state = 'inflight', lease_until = now() + $3 * interval '1 millisecond', lease_token = $4
      FROM due WHERE x.id = due.id
      RETURNING ${cols('x', false)}`;
    const args = [owner, Math.max(0, Math.floor(limit)), Math.max(0, leaseMs), this.tokens.next()];
    for (let attempt = 1; ; attempt++) {
      try {
        await this.init();
        const { rows } = await this.pool.query<Row>(sql, args);
        return rows.map(toEntry).sort((a, b) => a.id - b.id);
      } catch (err) {
        // Two claimers took two entries of one key in the same instant: the
        // unique index refused the second. Claim again; it now sees the key busy.
        if ((err as { code?: string }).code === '23505' && attempt < 5) continue;
        fail(err, 'postgres');
      }
    }
  }

  async forget(olderThanMs: number, limit: number): Promise<number> {
    const { rows } = await this.run(
      `WITH d AS (
         DELETE FROM ${this.d} WHERE key IN (
           SELECT key FROM ${this.d} WHERE at < now() - $1 * interval '1 millisecond' ORDER BY at LIMIT $2) RETURNING 1),
       j AS (
         DELETE FROM ${this.j} WHERE id IN (
           SELECT id FROM (SELECT id, at FROM ${this.j} ORDER BY id LIMIT $2) o WHERE at < now() - $1 * interval '1 millisecond') RETURNING 1),
       s AS (
         DELETE FROM ${this.r} WHERE name IN (
           SELECT name FROM ${this.r} WHERE at < now() - $1 * interval '1 millisecond' AND left(name, $4) = $3 ORDER BY at LIMIT $2) RETURNING 1)
       SELECT greatest((SELECT count(*) FROM d), (SELECT count(*) FROM j), (SELECT count(*) FROM s))::int AS n`, [olderThanMs, limit, MEMORY_PREFIX, MEMORY_PREFIX.length]);
    return Number(rows[0].n);
  }

  async delivered(held: Held[], exchange?: Exchange): Promise<number[]> {
    if (!held.length) return [];
    // Still ours: delivered, kept (with its payload, for output 1) until reported.
    // Older versions of the key (lower id) must never be sent after this one: dead
    // ones, or waiting ones replayed while this one was on the wire, are superseded.
    const { rows } = await this.run(
      `WITH mine AS (SELECT * FROM unnest($1::bigint[], $2::text[]) AS h(id, lease)),
       done AS (
         UPDATE ${this.t} e SET state = 'delivered' FROM mine
         WHERE e.id = mine.id AND e.lease_token = mine.lease AND e.state = 'inflight'
         RETURNING e.id, e.key, e.hash, e.owner, e.op, e.attempts + 1 AS attempts, e.created_at, e.facts),
       newest AS (SELECT key, max(id) AS id FROM done GROUP BY key),
       superseded AS (
         UPDATE ${this.t} o SET state = 'dead', reason = 'superseded', lease_until = NULL, lease_token = NULL, dead_at = now()
         FROM newest n
         WHERE o.key = n.key AND o.id < n.id
           AND (o.state = 'waiting' OR (o.state = 'dead' AND o.reason IS DISTINCT FROM 'superseded'))
         RETURNING o.id, o.owner, o.op, o.key, NULL::int AS attempts, o.created_at, o.facts),
       -- One INSERT for both, in that order: sub-statements of one statement run in no set order.
       events AS (
         SELECT id, owner, op, key, attempts, created_at, facts, 'delivered' AS event, $3::text AS exchange, 0 AS o FROM done
         UNION ALL SELECT id, owner, op, key, attempts, created_at, facts, 'superseded', NULL, 1 FROM superseded),
       journalled AS (
         INSERT INTO ${this.j} (owner, op, key, dossier, entry, event, attempt, exchange, errors, accepted, facts)
         SELECT owner, op, key, ${DOSSIER}, id, event, attempts, exchange, NULL, created_at, facts FROM events ORDER BY o, id),
       remembered AS (
         INSERT INTO ${this.d} (key, hash, owner, at)
         SELECT DISTINCT ON (key) key, hash, owner, now() FROM done ORDER BY key, id DESC
         ON CONFLICT (key) DO UPDATE SET hash = excluded.hash, owner = excluded.owner, at = excluded.at),
       counted AS (
         INSERT INTO ${this.n} (owner, delivered) SELECT owner, count(*) FROM done GROUP BY owner
         ON CONFLICT (owner) DO UPDATE SET delivered = ${this.n}.delivered + excluded.delivered)
       SELECT id FROM done`, [...heldArgs(held), eventColumns(exchange, undefined)[0]]);
    return ids(rows);
  }

  async reported(held: Held[]): Promise<number[]> {
    if (!held.length) return [];
    // The payload holds personal data: once its output is out only key, hash and time stay.
    const { rows } = await this.run(
      `DELETE FROM ${this.t} e USING unnest($1::bigint[], $2::text[]) AS h(id, lease)
       WHERE e.id = h.id AND e.lease_token = h.lease AND e.state = 'delivered' RETURNING e.id`, heldArgs(held));
    return ids(rows);
  }

  async unreported(owner: string, limit: number, leaseMs: number): Promise<Entry[]> {
    const { rows } = await this.run(
      `WITH due AS (
         SELECT id FROM ${this.t} WHERE owner = $1 AND state = 'delivered' AND (lease_until IS NULL OR lease_until < now())
         ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)
       UPDATE ${this.t} x SET lease_until = now() + $3 * interval '1 millisecond', lease_token = $4
       FROM due WHERE x.id = due.id RETURNING ${cols('x')}`,
      [owner, Math.max(0, Math.floor(limit)), Math.max(0, leaseMs), this.tokens.next()]);
    return (rows as Row[]).map(toEntry).sort((a, b) => a.id - b.id);
  }

  async retry(held: Held[], error: Problem[], delayMs: number, exchange?: Exchange): Promise<number[]> {
    if (!held.length) return [];
    // The wait is counted on the database's clock, like every other time here.
    const { rows } = await this.run(
      `WITH moved AS (
         UPDATE ${this.t} e SET state = 'waiting', attempts = attempts + 1, not_before = now() + $4 * interval '1 millisecond',
           last_error = $3::json, lease_until = NULL, lease_token = NULL
         FROM unnest($1::bigint[], $2::text[]) AS h(id, lease)
         WHERE e.id = h.id AND e.lease_token = h.lease AND e.state = 'inflight' RETURNING e.id, e.owner, e.op, e.key, e.attempts, e.created_at, e.facts),
       journalled AS (${this.journal('moved', 'retried', '$5', '$6')})
       SELECT id FROM moved`,
      [...heldArgs(held), JSON.stringify(error), Math.max(0, delayMs), ...eventColumns(exchange, error)]);
    return ids(rows);
  }

  async dead(held: Held[], reason: DeadReason, error: Problem[], opts: { tried?: boolean; exchange?: Exchange } = {}): Promise<number[]> {
    if (!held.length) return [];
    const { rows } = await this.run(
      `WITH moved AS (
         UPDATE ${this.t} e SET state = 'dead', reason = $3, last_error = $4::json, lease_until = NULL, lease_token = NULL,
           attempts = attempts + $5, dead_at = now()
         FROM unnest($1::bigint[], $2::text[]) AS h(id, lease)
         WHERE e.id = h.id AND e.lease_token = h.lease AND e.state = 'inflight'
         RETURNING e.id, e.owner, e.op, e.key, CASE WHEN $5 = 1 THEN e.attempts END AS attempts, e.created_at, e.facts),
       journalled AS (${this.journal('moved', deadKind(reason), '$6', '$7')})
       SELECT id FROM moved`,
      [...heldArgs(held), reason, JSON.stringify(error), opts.tried ? 1 : 0, ...eventColumns(opts.exchange, error)]);
    return ids(rows);
  }

  async expire(owner: string, budgetMs: number, error: Problem[]): Promise<Entry[]> {
    const { rows } = await this.run(
      `WITH moved AS (
         UPDATE ${this.t} SET state = 'dead', reason = 'undeliverable', last_error = $2::json, dead_at = now(),
           lease_until = NULL, lease_token = NULL
         WHERE owner = $1 AND state = 'waiting' AND created_at < now() - $3 * interval '1 millisecond'
         RETURNING ${cols(this.t)}, ${this.t}.created_at AS created_at, ${this.t}.facts AS facts),
       j AS (SELECT id, owner, op, key, NULL::int AS attempts, created_at, facts FROM moved ORDER BY id),
       journalled AS (${this.journal('j', 'dead', 'NULL', '$4')})
       SELECT * FROM moved`, [owner, JSON.stringify(error), Math.max(0, budgetMs), eventColumns(undefined, error)[1]]);
    return (rows as Row[]).map(toEntry).sort((a, b) => a.id - b.id);
  }

  /** Every waiting and in-flight entry of the owner, whichever instance holds it: for a store that cannot keep them (not this one). */
  async abandon(owner: string, error: Problem[]): Promise<Entry[]> {
    const { rows } = await this.run(
      `WITH moved AS (
         UPDATE ${this.t} SET state = 'dead', reason = 'undeliverable', last_error = $2::json, dead_at = now(),
           lease_until = NULL, lease_token = NULL
         WHERE owner = $1 AND state IN ('waiting', 'inflight') RETURNING ${cols(this.t)}, ${this.t}.created_at AS created_at, ${this.t}.facts AS facts),
       j AS (SELECT id, owner, op, key, NULL::int AS attempts, created_at, facts FROM moved ORDER BY id),
       journalled AS (${this.journal('j', 'dead', 'NULL', '$3')})
       SELECT * FROM moved`, [owner, JSON.stringify(error), eventColumns(undefined, error)[1]]);
    return (rows as Row[]).map(toEntry).sort((a, b) => a.id - b.id);
  }

  async replay(owner: string, filter: ReplayFilter = {}): Promise<number> {
    const { rows } = await this.run(
      `WITH moved AS (
         UPDATE ${this.t} SET state = 'waiting', attempts = 0, not_before = now(), reason = NULL, dead_at = NULL
         WHERE owner = $1 AND state = 'dead' AND reason IS DISTINCT FROM 'superseded' AND ($2::text[] IS NULL OR key = ANY($2::text[])) AND ($3::text IS NULL OR reason = $3)
         RETURNING id, owner, op, key, NULL::int AS attempts, created_at, facts),
       j AS (SELECT * FROM moved ORDER BY id),
       journalled AS (${this.journal('j', 'replayed')})
       SELECT count(*)::int AS n FROM moved`,
      [owner, filter.keys ?? null, filter.reason ?? null]);
    return Number(rows[0].n);
  }

  /**
   * Renews, on the database clock, the lease of entries still held under their
   * token. An entry another instance took over after the lease ended (so under
   * another token), or one no longer in flight or unreported, is left alone.
   */
  async extend(held: Held[], leaseMs: number): Promise<number[]> {
    if (!held.length) return [];
    const { rows } = await this.run(
      `UPDATE ${this.t} e SET lease_until = now() + $3 * interval '1 millisecond'
       FROM unnest($1::bigint[], $2::text[]) AS h(id, lease)
       WHERE e.id = h.id AND e.lease_token = h.lease AND e.state IN ('inflight', 'delivered') RETURNING e.id`,
      [...heldArgs(held), Math.max(0, leaseMs)]);
    return ids(rows);
  }

  async release(held: Held[]): Promise<number[]> {
    if (!held.length) return [];
    // Other instances share the owner: release only what these claims still hold.
    const { rows } = await this.run(
      `UPDATE ${this.t} e SET state = 'waiting', lease_until = NULL, lease_token = NULL
       FROM unnest($1::bigint[], $2::text[]) AS h(id, lease)
       WHERE e.id = h.id AND e.lease_token = h.lease AND e.state = 'inflight' RETURNING e.id`, heldArgs(held));
    return ids(rows);
  }

  async counts(owner: string): Promise<Counts> {
    const { rows } = await this.run(
      `SELECT count(*) FILTER (WHERE state = 'waiting')::int AS waiting,
              count(*) FILTER (WHERE state = 'inflight')::int AS inflight,
              count(*) FILTER (WHERE state = 'dead')::int AS dead,
              coalesce((SELECT delivered FROM ${this.n} WHERE owner = $1), 0)::int AS delivered,
              coalesce((SELECT skipped FROM ${this.n} WHERE owner = $1), 0)::int AS skipped,
              coalesce(floor(extract(epoch FROM now() - min(created_at) FILTER (WHERE state IN ('waiting', 'inflight'))) * 1000), 0)::float8 AS "oldestMs"
       FROM ${this.t} WHERE owner = $1`, [owner]);
    return rows[0] as Counts;
  }

  async originals(ids: number[]): Promise<Map<number, unknown>> {
    if (!ids.length) return new Map();
    const { rows } = await this.run(`SELECT id, original::text AS original FROM ${this.t} WHERE id = ANY($1::bigint[]) AND original IS NOT NULL`, [ids]);
    return new Map((rows as { id: string | number; original: string }[]).map((r) => [Number(r.id), JSON.parse(r.original) as unknown]));
  }

  async deadLetters(owner: string, limit = 100): Promise<Entry[]> {
    const { rows } = await this.run(
      `SELECT ${cols(this.t)} FROM ${this.t} WHERE owner = $1 AND state = 'dead' ORDER BY id LIMIT $2`,
      [owner, Math.max(0, Math.floor(limit))]);
    return (rows as Row[]).map(toEntry);
  }

  async history(dossier: string, limit = HISTORY_MAX): Promise<JournalEvent[]> {
    const ranges = keyRanges(dossier);
    const { rows } = await this.run(`SELECT ${EVENT} FROM ${this.j} WHERE dossier = $1 ORDER BY id`, [dossier]);
    const live = await this.run(
      `SELECT ${QUEUED} FROM ${this.t} WHERE ${ranges.map((_, i) => `(key = $${3 * i + 1} OR (key >= $${3 * i + 2} AND key < $${3 * i + 3}))`).join(' OR ')}`, ranges.flat());
    return tell((rows as JournalRow[]).map(toWritten), (live.rows as QueuedRow[]).map(toQueued), dossier, limit);
  }

  async events(from: number, after: number, limit: number): Promise<{ events: JournalEvent[]; next: number }> {
    const { rows } = await this.run(
      `SELECT ${EVENT} FROM ${this.j} WHERE id > $1 AND at >= to_timestamp($2 / 1000.0) ORDER BY id LIMIT $3`, [after, from, Math.max(0, Math.floor(limit))]);
    const got = (rows as JournalRow[]).map(toWritten);
    return { events: got.map((w) => w.event), next: got.length ? got[got.length - 1].seq : after };
  }

  async queued(after: number, limit: number): Promise<Queued[]> {
    const { rows } = await this.run(
      `SELECT ${QUEUED} FROM ${this.t} WHERE id > $1 AND state <> 'delivered' ORDER BY id LIMIT $2`, [after, Math.max(0, Math.floor(limit))]);
    return (rows as QueuedRow[]).map(toQueued);
  }

  /** The delivery journal's table and index (./journal.ts), for a new schema and for the step to version 8. */
  private journalTable(): string {
    return `CREATE TABLE IF NOT EXISTS ${this.j} (
            id       bigserial   PRIMARY KEY,
            at       timestamptz NOT NULL DEFAULT now(),
            owner    text        NOT NULL,
            op       text        NOT NULL,
            key      text        NOT NULL,
            dossier  text        NOT NULL,
            entry    bigint      NOT NULL,
            event    text        NOT NULL,
            attempt  integer,
            exchange text,
            errors   text,
            accepted timestamptz,
            facts    text
          );
          CREATE INDEX IF NOT EXISTS "${this.table}_journal_dossier" ON ${this.j} (dossier, id);`;
  }

  /**
   * An INSERT of one journal event per row of `from` (id, owner, op, key, attempts, created_at,
   * facts), in its order: `exchange` and `errors` are the SQL of their JSON text (a parameter, or NULL).
   */
  private journal(from: string, event: JournalKind, exchange = 'NULL', errors = 'NULL'): string {
    return `INSERT INTO ${this.j} (owner, op, key, dossier, entry, event, attempt, exchange, errors, accepted, facts)
      SELECT owner, op, key, ${DOSSIER}, id, '${event}', attempts, ${exchange}::text, ${errors}::text, created_at, facts FROM ${from}`;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  /** One statement, after the schema is ready; errors reject with a problem attached. */
  private async run(sql: string, args: unknown[]) {
    try {
      await this.init();
      return await this.pool.query(sql, args);
    } catch (err) {
      fail(err, 'postgres');
    }
  }

  /** Several statements in one transaction on one connection; COMMIT before resolving. */
  private async tx<T>(fn: (c: PoolClient) => Promise<T>): Promise<T> {
    let held: Checkout | undefined;
    try {
      await this.init();
      held = await this.checkout();
      const { c } = held;
      await c.query('BEGIN');
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (err) {
      if (held) await held.c.query('ROLLBACK').catch(() => undefined);
      return fail(err, 'postgres');
    } finally {
      held?.release();
    }
  }

  /**
   * A pooled connection with an error listener for as long as it is checked
   * out: the pool listens only to idle clients, and a server restart while one
   * is held between statements would otherwise emit an unhandled 'error' that
   * ends Node-RED. A broken connection is destroyed on release, not reused.
   */
  private async checkout(): Promise<Checkout> {
    const c = await this.pool.connect();
    let broken: Error | undefined;
    const onError = (err: Error) => {
      broken = err;
    };
    c.on('error', onError);
    return {
      c,
      release: () => {
        c.removeListener('error', onError);
        c.release(broken);
      },
    };
  }

  /** The schema, created once per instance; retried on the next call if the database was down. */
  private init(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the outbox is closed'));
    if (!this.ready) {
      this.ready = this.migrate().catch((err) => {
        this.ready = undefined;
        throw err;
      });
    }
    return this.ready;
  }

  private async migrate(): Promise<void> {
    const held = await this.checkout();
    const { c } = held;
    try {
      await c.query('BEGIN');
      // Instances starting together create the tables one after the other.
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [this.lockName]);
      // CREATE SCHEMA needs the CREATE privilege even when it exists: only ask when missing.
      const has = await c.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [this.schema]);
      if (!has.rowCount) await c.query(`CREATE SCHEMA "${this.schema}"`);
      await c.query(`CREATE TABLE IF NOT EXISTS ${this.v} (version integer NOT NULL)`);
      const found = Number((await c.query(`SELECT coalesce(max(version), 0) AS v FROM ${this.v}`)).rows[0].v);
      if (found > VERSION) tooNew('postgres', found, VERSION);
      const { table } = this; // index names
      if (found < 1) {
        await c.query(`
          CREATE TABLE ${this.t} (
            id          bigserial PRIMARY KEY,
            owner       text        NOT NULL,
            op          text        NOT NULL,
            key         text        NOT NULL,
            hash        text        NOT NULL,
            record      json        NOT NULL,  -- json, not jsonb: kept byte for byte as it will be sent
            original    json,
            meta        json,
            state       text        NOT NULL,
            attempts    integer     NOT NULL DEFAULT 0,
            created_at  timestamptz NOT NULL DEFAULT now(),
            not_before  timestamptz NOT NULL DEFAULT now(),
            lease_until timestamptz,
            lease_token text,
            last_error  json,
            reason      text,
            dead_at     timestamptz,
            facts       text
          );
          CREATE INDEX "${table}_claim" ON ${this.t} (owner, state, not_before);
          CREATE INDEX "${table}_open" ON ${this.t} (owner, state, id);
          CREATE INDEX "${table}_key" ON ${this.t} (key, state);
          CREATE UNIQUE INDEX "${table}_inflight_key" ON ${this.t} (key) WHERE state = 'inflight';
          CREATE TABLE ${this.d} (
            key   text        PRIMARY KEY,
            hash  text        NOT NULL,
            owner text        NOT NULL,
            at    timestamptz NOT NULL DEFAULT now()
          );
          CREATE INDEX "${table}_delivered_owner" ON ${this.d} (owner);
          CREATE INDEX "${table}_delivered_at" ON ${this.d} (at);
          CREATE TABLE ${this.n} (
            owner     text   PRIMARY KEY,
            delivered bigint NOT NULL DEFAULT 0,
            skipped   bigint NOT NULL DEFAULT 0
          );
          CREATE TABLE ${this.r} (
            name  text        PRIMARY KEY,
            value text        NOT NULL,
            at    timestamptz NOT NULL DEFAULT now()
          );
          CREATE INDEX "${table}_cursors_at" ON ${this.r} (at);
          ${this.journalTable()}
          INSERT INTO ${this.v} (version) VALUES (${VERSION});`);
      } else if (found < VERSION) {
        // 1 -> 2: dead letters record when they died (NULL for those that died before).
        if (found < 2) await c.query(`ALTER TABLE ${this.t} ADD COLUMN IF NOT EXISTS dead_at timestamptz`);
        // 2 -> 3: outcome writes are fenced by each claim's token (the per-instance
        // claimer goes); delivered entries wait for their output to be reported;
        // "delivered" counts deliveries per owner, started from the keys each owner
        // delivered last (the old meaning). Entries in flight under the old scheme
        // keep their lease and come back when it ends.
        await c.query(`ALTER TABLE ${this.t} ADD COLUMN IF NOT EXISTS lease_token text`);
        await c.query(`ALTER TABLE ${this.t} DROP COLUMN IF EXISTS claimer`);
        await c.query(`CREATE TABLE IF NOT EXISTS ${this.n} (owner text PRIMARY KEY, delivered bigint NOT NULL DEFAULT 0)`);
        if (found < 3) await c.query(`INSERT INTO ${this.n} (owner, delivered) SELECT owner, count(*) FROM ${this.d} GROUP BY owner ON CONFLICT (owner) DO NOTHING`);
        // 3 -> 4: the retention of delivered data forgets the oldest deliveries first.
        await c.query(`CREATE INDEX IF NOT EXISTS "${table}_delivered_at" ON ${this.d} (at)`);
        // 4 -> 5: records skipped as already delivered are counted with the deliveries.
        await c.query(`ALTER TABLE ${this.n} ADD COLUMN IF NOT EXISTS skipped bigint NOT NULL DEFAULT 0`);
        // 5 -> 6: a source's read position moves in the transaction that stores what it read.
        await c.query(`CREATE TABLE IF NOT EXISTS ${this.r} (name text PRIMARY KEY, value text NOT NULL)`);
        // 6 -> 7: a claim walks each state of its owner in id order, not the whole table.
        await c.query(`CREATE INDEX IF NOT EXISTS "${table}_open" ON ${this.t} (owner, state, id)`);
        // 7 -> 8: the delivery journal, from now on, and the facts a report counts entries by.
        if (found < 8) await c.query(`ALTER TABLE ${this.t} ADD COLUMN IF NOT EXISTS facts text;
          ${this.journalTable()}`);
        // 8 -> 9: a cursor knows when it was last written, so retention forgets old memories (MEMORY_PREFIX).
        await c.query(`ALTER TABLE ${this.r} ADD COLUMN IF NOT EXISTS at timestamptz NOT NULL DEFAULT now();
          CREATE INDEX IF NOT EXISTS "${table}_cursors_at" ON ${this.r} (at)`);
        await c.query(`UPDATE ${this.v} SET version = ${VERSION}`);
      }
      await c.query('COMMIT');
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      fail(err, 'postgres');
    } finally {
      held.release();
    }
  }
}

interface Checkout {
  c: PoolClient;
  release(): void;
}

/** The selected columns, JSON as text and times as epoch ms (the Row of ./sql); a claim's without the original (Store.claim). */
function cols(t: string, original = true): string {
  return `${t}.id, ${t}.owner, ${t}.op, ${t}.key, ${t}.hash, ${t}.record::text AS record,${original ? ` ${t}.original::text AS original,` : ''}
    ${t}.meta::text AS meta, ${t}.state, ${t}.attempts,
    floor(extract(epoch FROM ${t}.created_at) * 1000)::float8 AS created_ms,
    floor(extract(epoch FROM ${t}.not_before) * 1000)::float8 AS not_before_ms,
    ${t}.last_error::text AS last_error, ${t}.reason,
    floor(extract(epoch FROM ${t}.dead_at) * 1000)::float8 AS dead_ms, ${t}.lease_token`;
}

/** Held entries as two parallel arrays for unnest($1::bigint[], $2::text[]). */
function heldArgs(held: Held[]): [number[], (string | null)[]] {
  return [held.map((h) => h.id), held.map((h) => h.lease ?? null)];
}

function ids(rows: { id: string | number }[]): number[] {
  return rows.map((r) => Number(r.id)).sort((a, b) => a - b);
}
