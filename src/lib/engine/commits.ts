import type { CursorValue, EnqueueResult, NewEntry } from '../outbox/store';

/**
 * Group commit: the accepts that arrive while the store is busy, or within one
 * turn of the event loop, go to the store as one enqueue — one transaction,
 * one fsync with SQLite's synchronous=FULL. A split node's messages of one
 * record each then cost one commit per turn, not one per record. Commits run
 * one after another, so entries reach the store in the order they were accepted,
 * and each caller gets its own part of the answer once its commit is durable.
 */
interface Waiting {
  entries: NewEntry[];
  resend: boolean;
  page?: Page;
  resolve(r: EnqueueResult): void;
  reject(err: unknown): void;
}

/**
 * The parts of one input that is a source's page (../source/cursor.ts) share one `Page`;
 * its last part carries `move`, the read position that moves in that part's transaction.
 * Once any part of the page fails, `failed` is set and the position stays where it was, so
 * the page's rows are read again, never skipped.
 */
export interface Page {
  failed: boolean;
  move?: { name: string; value: CursorValue };
}

/** Records in one transaction at most: better-sqlite3 commits synchronously, so a part must stay a short pause (~20 ms with fsync). */
export const COMMIT_MAX = 1000;

export class GroupCommit {
  private waiting: Waiting[] = [];
  private count = 0;
  private scheduled = false;
  private busy = false;
  private committing = 0;

  constructor(private readonly enqueue: (entries: NewEntry[], opts: { resend: boolean; cursors?: Map<string, CursorValue> }) => Promise<EnqueueResult>) {}

  add(entries: NewEntry[], resend = false, page?: Page): Promise<EnqueueResult> {
    return new Promise<EnqueueResult>((resolve, reject) => {
      this.waiting.push({ entries, resend, page, resolve, reject });
      this.count += entries.length;
      if (!this.busy && !this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          void this.flush();
        });
      }
    });
  }

  private async flush(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.waiting.length) {
        // One transaction: callers of one resend choice, in order, up to COMMIT_MAX records (a caller is never split).
        const group: Waiting[] = [];
        let n = 0;
        const resend = this.waiting[0].resend;
        while (this.waiting.length && this.waiting[0].resend === resend && (n === 0 || n + this.waiting[0].entries.length <= COMMIT_MAX)) {
          const w = this.waiting.shift()!;
          group.push(w);
          n += w.entries.length;
        }
        this.count -= n;
        this.committing = n;
        const all = group.length === 1 ? group[0].entries : group.flatMap((w) => w.entries);
        // Decided now, after every earlier transaction has settled (a failed one marked its input).
        let cursors: Map<string, CursorValue> | undefined;
        for (const w of group) {
          const move = w.page && !w.page.failed ? w.page.move : undefined;
          if (move) (cursors ??= new Map()).set(move.name, move.value);
        }
        let result: EnqueueResult;
        try {
          result = await this.enqueue(all, cursors ? { resend, cursors } : { resend });
        } catch (err) {
          // Nothing of the transaction was written: every caller in it hears why, and its input's position stays.
          for (const w of group) {
            if (w.page) w.page.failed = true;
            w.reject(err);
          }
          continue;
        } finally {
          this.committing = 0;
        }
        if (group.length === 1) {
          group[0].resolve(result);
          continue;
        }
        // The store answers in input order: each caller's accepted entries follow one another.
        const skipped = new Set(result.skipped);
        let at = 0;
        for (const w of group) {
          const own = w.entries.filter((e) => skipped.has(e));
          const taken = w.entries.length - own.length;
          w.resolve({ accepted: result.accepted.slice(at, at + taken), skipped: own });
          at += taken;
        }
      }
    } finally {
      this.busy = false;
    }
  }

  /** Records waiting for a commit. */
  get pending(): number {
    return this.count;
  }

  /** Records in the commit under way (the store has them, not yet durably). */
  get inCommit(): number {
    return this.committing;
  }
}
