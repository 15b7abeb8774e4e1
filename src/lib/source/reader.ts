import { systemClock, type Clock, type Timer } from '../clock';
import type { Store } from '../outbox/store';
import { problem, type Problem } from '../problem';
import { decode, type Columns, type PageRequest, type PageResult, type Position } from './cursor';
import { emptyTally, estimate, type Estimate, type Tally } from './progress';

/** A page nobody answers for this long (the database node failed and no Catch node told us) ends the run. */
export const PAGE_TIMEOUT_MS = 10 * 60_000;
/** How often the outbox is asked whether a run's records have all been delivered. */
export const SETTLE_POLL_MS = 1000;

/** One run: a backfill's range, or an incremental catch-up (no range). */
export interface RunSpec {
  /** The position's name in the outbox. */
  name: string;
  from: string | null;
  to: string | null;
  /** Rows the run will read, when a count query said. */
  total?: number;
}

/** Where a run stands, for the status, the progress message and the summary. */
export interface Progress extends Tally, Estimate {
  name: string;
  total: number | null;
  from: string | null;
  to: string | null;
  position: Position | null;
}

export interface Summary extends Progress {
  /** Null when the run stopped before its records were settled. */
  delivered: number | null;
  dead: number | null;
  ms: number;
  error?: Problem;
}

export type ReaderEvent =
  | { kind: 'reading'; progress: Progress }
  | { kind: 'page'; progress: Progress }
  | { kind: 'delivering'; progress: Progress; waiting: number }
  | { kind: 'end'; summary: Summary };

export interface ReaderOptions {
  store: Pick<Store, 'cursor' | 'counts'>;
  clock?: Clock;
  /** The btxh-source node and its connection (the sync node checks it uses the same one). */
  source: string;
  connection: string;
  columns: Columns;
  limit: number;
  /** Ask the database for a page. */
  ask(page: PageRequest): void;
  /** What the run did (status, progress, summary). */
  tell(event: ReaderEvent): void;
}

interface Run extends RunSpec {
  tally: Tally;
  startedAt: number;
  at: Position | null;
  seq: number;
  phase: 'reading' | 'delivering';
  owner?: string;
  deadBefore?: number;
  timer?: Timer;
  resolve(s: Summary): void;
}

/**
 * The reading loop of a btxh-source: asks for a page after the stored position,
 * waits until a sync node has committed it (its PageResult), then asks for the next;
 * a short page ends the reading, and the summary waits until the outbox has settled
 * every record the run accepted. One run at a time; the position itself is moved by
 * the sync node's commit (../engine/commits.ts), never here.
 */
export class Reader {
  private run?: Run;
  private seq = 0;
  private closed = false;
  private readonly clock: Clock;

  constructor(private readonly o: ReaderOptions) {
    this.clock = o.clock ?? systemClock;
  }

  get running(): RunSpec | undefined {
    return this.run;
  }

  /** Starts a run; resolves with its summary when it ends (an error is in the summary). */
  async start(spec: RunSpec): Promise<Summary> {
    if (this.run) throw new Error('a run is under way');
    const stored = await this.o.store.cursor(spec.name);
    if (this.run) throw new Error('a run is under way');
    return new Promise<Summary>((resolve) => {
      const r: Run = { ...spec, tally: emptyTally(), startedAt: this.clock.now(), at: stored ? decode(stored) : null, seq: 0, phase: 'reading', resolve };
      this.run = r;
      this.ask(r);
    });
  }

  /** A sync node's word on a page: the next page, the end of the reading, or the run's error. */
  page(res: PageResult): void {
    const r = this.run;
    if (!r || res.source !== this.o.source || res.seq !== r.seq || r.phase !== 'reading') return;
    void (async () => {
      if (res.error) return this.end(r, res.error);
      if (r.owner === undefined) {
        r.owner = res.owner;
        // Dead letters of the sync node before this run's records could die: the summary counts the rest.
        r.deadBefore = await this.o.store.counts(res.owner).then((c) => c.dead, () => undefined);
        if (this.run !== r) return;
      }
      const t = r.tally;
      t.pages += 1;
      t.read += res.rows;
      t.accepted += res.accepted;
      t.skipped += res.skipped;
      t.invalid += res.invalid;
      if (res.end) r.at = res.end;
      this.o.tell({ kind: 'page', progress: this.progress(r) });
      // A short page is the end of what there is now.
      if (res.rows < this.o.limit) return this.settle(r);
      this.ask(r);
    })().catch((err: Error) => this.end(r, problem(null, 'outboxUnavailable', { store: 'outbox', detail: err.message })));
  }

  /** The database node failed on page `seq` (a Catch node said so). */
  failed(seq: number, detail: string): void {
    const r = this.run;
    if (r && r.phase === 'reading' && seq === r.seq) this.end(r, problem(null, 'sourceQuery', { page: r.tally.pages + 1, detail: detail.slice(0, 300) }));
  }

  /** The node closes: the run stops where the outbox has it; the next start reads on from there. */
  close(): void {
    this.closed = true;
    const r = this.run;
    if (!r) return;
    this.clock.clearTimeout(r.timer);
    this.run = undefined;
    r.resolve({ ...this.progress(r), delivered: null, dead: null, ms: this.clock.now() - r.startedAt, error: problem(null, 'closedBeforeRead') });
  }

  private progress(r: Run): Progress {
    const e = estimate(r.tally, this.clock.now() - r.startedAt, { total: r.total, from: r.from, to: r.to, at: r.at });
    return { name: r.name, ...r.tally, total: r.total ?? null, ...e, from: r.from, to: r.to, position: r.at };
  }

  private ask(r: Run): void {
    if (this.closed) return;
    r.seq = ++this.seq;
    const req: PageRequest = { source: this.o.source, connection: this.o.connection, name: r.name, seq: r.seq, columns: this.o.columns, limit: this.o.limit, first: r.at === null, after: r.at, from: r.from, to: r.to };
    this.clock.clearTimeout(r.timer);
    r.timer = this.clock.setTimeout(() => this.end(r, problem(null, 'sourceTimeout', { page: r.tally.pages + 1, minutes: PAGE_TIMEOUT_MS / 60_000 })), PAGE_TIMEOUT_MS);
    this.o.tell({ kind: 'reading', progress: this.progress(r) });
    this.o.ask(req);
  }

  private async settle(r: Run): Promise<void> {
    r.phase = 'delivering';
    this.clock.clearTimeout(r.timer);
    if (!r.owner || r.tally.accepted === 0) return this.end(r, undefined, { delivered: 0, dead: 0 });
    try {
      const c = await this.o.store.counts(r.owner);
      if (this.run !== r) return;
      if (c.waiting + c.inflight === 0) {
        const dead = Math.min(r.tally.accepted, Math.max(0, c.dead - (r.deadBefore ?? c.dead)));
        return this.end(r, undefined, { delivered: r.tally.accepted - dead, dead });
      }
      this.o.tell({ kind: 'delivering', progress: this.progress(r), waiting: c.waiting + c.inflight });
    } catch {
      // The outbox did not answer now: asked again at the next poll.
    }
    if (this.run === r && !this.closed) r.timer = this.clock.setTimeout(() => void this.settle(r), SETTLE_POLL_MS);
  }

  private end(r: Run, error?: Problem, settled?: { delivered: number; dead: number }): void {
    if (this.run !== r) return;
    this.run = undefined;
    this.clock.clearTimeout(r.timer);
    const summary: Summary = { ...this.progress(r), ...(settled ?? { delivered: null, dead: null }), ms: this.clock.now() - r.startedAt, ...(error ? { error } : {}) };
    this.o.tell({ kind: 'end', summary });
    r.resolve(summary);
  }
}
