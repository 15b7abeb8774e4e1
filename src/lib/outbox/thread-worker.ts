import { parentPort, workerData } from 'worker_threads';
import { CallOrder } from './call-order';
import { SqliteStore, type EnqueueRow, type SqliteOptions } from './sqlite';
import type { EnqueueOptions, Store } from './store';

/** The calls ./thread.ts makes: a Store method (or a test's pragma) with its arguments and the caller's clock. */
export interface Request {
  id: number;
  method: Exclude<keyof Store, 'damage' | 'room'> | 'pragma';
  args: unknown[];
  now: number;
}

export interface Reply {
  id: number;
  value?: unknown;
  error?: { message: string; name?: string; code?: unknown; problem?: unknown; stack?: string };
}

/**
 * The SQLite outbox's thread: one SqliteStore, one call at a time. Its clock is the time
 * each call was made on Node-RED's thread.
 */
if (parentPort) {
  const port = parentPort;
  let now = 0;
  const store = new SqliteStore({ ...(workerData as SqliteOptions), now: () => now });
  const answer = async (r: Request): Promise<unknown> => {
    if (r.method === 'pragma') return store.pragma(r.args[0] as string);
    // Only the ids and rows go back: the caller builds the entries (./thread.ts).
    if (r.method === 'enqueue') return store.enqueueRows(r.args[0] as EnqueueRow[], r.args[1] as EnqueueOptions | undefined);
    if (r.method === 'claim') return store.claimRows(...(r.args as [string, number, number]));
    return (store[r.method] as (...a: unknown[]) => Promise<unknown>).apply(store, r.args);
  };
  const waiting = new CallOrder<Request>();
  let scheduled = false;
  // One call per turn of this thread's loop: calls that arrived meanwhile are put in order (CallOrder).
  const next = (): void => {
    scheduled = false;
    const r = waiting.next();
    if (!r) return;
    now = r.now;
    // Every store method does its work before its promise settles: the next call cannot overlap it.
    answer(r).then(
      (value) => port.postMessage({ id: r.id, value } satisfies Reply),
      (err: Error & { code?: unknown; problem?: unknown }) =>
        port.postMessage({ id: r.id, error: { message: err.message, name: err.name, code: err.code, problem: err.problem, stack: err.stack } } satisfies Reply),
    );
    if (waiting.size) schedule();
  };
  const schedule = (): void => {
    if (!scheduled) {
      scheduled = true;
      setImmediate(next);
    }
  };
  port.on('message', (r: Request) => {
    waiting.push(r);
    schedule();
  });
}
