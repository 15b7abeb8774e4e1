import { Worker } from 'worker_threads';
import { join } from 'path';
import { systemClock } from '../clock';
import type { Problem } from '../problem';
import { rowsOf, SqliteStore, type SqliteOptions } from './sqlite';
import { toEntry, type Row } from './sql';
import { enqueued, type Counts, type CursorValue, type DeadReason, type EnqueueOptions, type EnqueueResult, type Entry, type Held, type NewEntry, type ReplayFilter, type Store } from './store';
import type { Reply, Request } from './thread-worker';
import type { Exchange, JournalEvent, Queued } from './journal';

/**
 * The SQLite outbox on a thread of its own. better-sqlite3 is synchronous: on Node-RED's
 * thread every commit held the event loop for its statements and, with synchronous=FULL,
 * for the disk's fsync — 0.7 ms a batch on a good day, 130–370 ms when a VM's disk stalls,
 * and the editor, the dashboard and every other flow waited that long. Here the same
 * SqliteStore runs in a worker thread and Node-RED's thread only hands it the calls.
 *
 * The meaning is SqliteStore's to the letter (it is that code): one call at a time, in the
 * order made, each in its own transaction, committed before its promise resolves. The
 * store's clock stays this thread's: every call carries `now()`, so an injected clock moves
 * the worker's store as it moves an in-thread one, and times never mix two threads' origins.
 *
 * The file is opened, migrated and checked here first (synchronously, as before), so a bad
 * path, a newer schema or a damaged WAL is known when the store is made; the worker then
 * opens the checked file. An enqueue sends its entries as their columns' JSON text (made
 * here, so the thread neither clones objects nor stringifies them) and gets back only their
 * ids: the accepted entries are built here from the caller's own objects; a claim gets back
 * its rows as read, made entries here.
 */
export class ThreadStore implements Store {
  readonly damage?: Problem;
  private readonly worker: Worker;
  private readonly now: () => number;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private nextId = 1;
  /** Set when the worker is gone (closed, or died): every later call fails with it. */
  private gone: Error | undefined;
  private closing: Promise<void> | undefined;

  constructor(opts: SqliteOptions) {
    const { now, ...rest } = opts;
    this.now = now ?? systemClock.now;
    const first = new SqliteStore({ ...rest, now: this.now });
    this.damage = first.damage;
    first.closeNow();
    // Not the process's own options: a preloaded module (`node -r`, an APM agent, a probe) would
    // start again in this thread, with its servers and files. A small young generation: what
    // this thread allocates lives for one call, and V8's default let a backfill's peak RSS
    // grow 17 MB more (bench/backfill.js) for no measurable speed.
    this.worker = new Worker(join(__dirname, 'thread-worker.js'), {
      workerData: { ...rest, checked: true },
      execArgv: [],
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
    });
    this.worker.unref();
    this.worker.on('message', (reply: Reply) => this.settle(reply));
    this.worker.on('error', (err) => this.end(withProblem(err)));
    this.worker.on('exit', (code) => this.end(withProblem(new Error(`the outbox thread stopped (exit code ${code})`))));
  }

  async enqueue(items: NewEntry[], opts?: EnqueueOptions): Promise<EnqueueResult> {
    // The columns' text is made here (as SqliteStore makes it): what crosses is strings, one copy each.
    const { ids, at } = await this.call<{ ids: number[]; at: number }>('enqueue', [rowsOf(items), opts]);
    return enqueued(items, ids, at);
  }

  cursor(name: string): Promise<CursorValue | undefined> {
    return this.call('cursor', [name]);
  }
  resetCursor(name: string): Promise<void> {
    return this.call('resetCursor', [name]);
  }
  claim(owner: string, limit: number, leaseMs: number): Promise<Entry[]> {
    return this.call<Row[]>('claim', [owner, limit, leaseMs]).then((rows) => rows.map(toEntry));
  }
  originals(ids: number[]): Promise<Map<number, unknown>> {
    return this.call('originals', [ids]);
  }
  delivered(held: Held[], exchange?: Exchange): Promise<number[]> {
    return this.call('delivered', [bare(held), exchange]);
  }
  reported(held: Held[]): Promise<number[]> {
    return this.call('reported', [bare(held)]);
  }
  forget(olderThanMs: number, limit: number): Promise<number> {
    return this.call('forget', [olderThanMs, limit]);
  }
  unreported(owner: string, limit: number, leaseMs: number): Promise<Entry[]> {
    return this.call('unreported', [owner, limit, leaseMs]);
  }
  retry(held: Held[], error: Problem[], delayMs: number, exchange?: Exchange): Promise<number[]> {
    return this.call('retry', [bare(held), error, delayMs, exchange]);
  }
  dead(held: Held[], reason: DeadReason, error: Problem[], opts?: { tried?: boolean; exchange?: Exchange }): Promise<number[]> {
    return this.call('dead', [bare(held), reason, error, opts]);
  }
  expire(owner: string, budgetMs: number, error: Problem[]): Promise<Entry[]> {
    return this.call('expire', [owner, budgetMs, error]);
  }
  abandon(owner: string, error: Problem[]): Promise<Entry[]> {
    return this.call('abandon', [owner, error]);
  }
  replay(owner: string, filter?: ReplayFilter): Promise<number> {
    return this.call('replay', [owner, filter]);
  }
  extend(held: Held[], leaseMs: number): Promise<number[]> {
    return this.call('extend', [bare(held), leaseMs]);
  }
  release(held: Held[]): Promise<number[]> {
    return this.call('release', [bare(held)]);
  }
  recover(owner: string): Promise<number> {
    return this.call('recover', [owner]);
  }
  counts(owner: string): Promise<Counts> {
    return this.call('counts', [owner]);
  }
  deadLetters(owner: string, limit?: number): Promise<Entry[]> {
    return this.call('deadLetters', [owner, limit]);
  }
  history(dossier: string, limit?: number): Promise<JournalEvent[]> {
    return this.call('history', [dossier, limit]);
  }
  events(from: number, after: number, limit: number): Promise<{ events: JournalEvent[]; next: number }> {
    return this.call('events', [from, after, limit]);
  }
  queued(after: number, limit: number): Promise<Queued[]> {
    return this.call('queued', [after, limit]);
  }

  /** Tests only: a PRAGMA on the worker's connection (a full disk, a read-only file). */
  pragma(text: string): Promise<unknown> {
    return this.call('pragma', [text]);
  }

  /** Waits for the calls made before it, closes the file (checkpointing the WAL) and ends the thread. */
  close(): Promise<void> {
    if (!this.closing) {
      this.closing = this.gone
        ? Promise.resolve()
        : this.call<void>('close', []).finally(() => {
            this.gone ??= closed();
            return this.worker.terminate().then(() => undefined);
          });
    }
    return this.closing;
  }

  private call<T>(method: Request['method'], args: unknown[]): Promise<T> {
    if (this.gone) return Promise.reject(this.gone);
    const id = this.nextId++;
    const request: Request = { id, method, args, now: this.now() };
    return new Promise<T>((resolve, reject) => {
      try {
        this.worker.postMessage(request);
      } catch (err) {
        return reject(withProblem(err as Error));
      }
      // Only while a call is out does the thread keep the process alive.
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
    });
  }

  private settle(reply: Reply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    if (reply.error) p.reject(Object.assign(new Error(reply.error.message), reply.error));
    else p.resolve(reply.value);
  }

  private end(err: Error): void {
    this.gone ??= err;
    for (const p of this.pending.values()) p.reject(this.gone);
    this.pending.clear();
  }
}

/** Only what an outcome write reads: an Entry passed as Held would send its record again. */
function bare(held: Held[]): Held[] {
  return held.map((h) => ({ id: h.id, lease: h.lease }));
}

function closed(): Error {
  return withProblem(new Error('the outbox is closed'));
}

function withProblem(err: Error): Error {
  if (!(err as { problem?: unknown }).problem) Object.assign(err, { problem: { field: null, code: 'outboxFailed', params: { store: 'sqlite', detail: err.message } } });
  return err;
}
