import type { EnqueueResult, NewEntry } from '../outbox/store';

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
  resolve(r: EnqueueResult): void;
  reject(err: unknown): void;
}

/** Records in one transaction at most: better-sqlite3 commits synchronously, so a part must stay a short pause (~20 ms with fsync). */
export const COMMIT_MAX = 1000;

export class GroupCommit {
  private waiting: Waiting[] = [];
  private count = 0;
  private scheduled = false;
  private busy = false;

  constructor(private readonly enqueue: (entries: NewEntry[], opts: { resend: boolean }) => Promise<EnqueueResult>) {}

  add(entries: NewEntry[], resend = false): Promise<EnqueueResult> {
    return new Promise<EnqueueResult>((resolve, reject) => {
      this.waiting.push({ entries, resend, resolve, reject });
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
        const all = group.length === 1 ? group[0].entries : group.flatMap((w) => w.entries);
        let result: EnqueueResult;
        try {
          result = await this.enqueue(all, { resend });
        } catch (err) {
          // Nothing of the transaction was written: every caller in it hears why.
          for (const w of group) w.reject(err);
          continue;
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
}
