import { maskText } from '../mask';
import { problem, type Problem } from '../problem';
import type { Failure as SendFailure } from '../client/types';

/** A server may answer with a whole HTML page: keep enough to diagnose, not a megabyte per entry. */
const MAX_MESSAGE = 1000;

/**
 * Params shared by the engine's server problems. The server's own text is kept
 * (it may name the field it dislikes) with anything that looks like a personal
 * id masked; `reason` is the client's code (timeout, http5xx…). The field is
 * null: the server does not say which field in a machine-readable way.
 */
export function serverParams(r: Pick<SendFailure, 'status' | 'code' | 'message'>): Record<string, string | number> {
  const text = maskText(String(r.message ?? ''));
  return {
    status: r.status ?? '-',
    reason: r.code || 'unknown',
    message: text.length > MAX_MESSAGE ? text.slice(0, MAX_MESSAGE) + '…' : text,
  };
}

/** A transient failure that will be retried. */
export function sendFailed(r: SendFailure): Problem {
  return problem(null, 'sendFailed', serverParams(r));
}

/** The server refused this record. */
export function rejectedByServer(r: SendFailure): Problem {
  return problem(null, 'rejectedByServer', serverParams(r));
}

/** The time budget ("give up after") ran out while only transient failures came back; carries the last error. */
export function undeliverable(r: Pick<SendFailure, 'status' | 'code' | 'message'>, budgetMs: number): Problem {
  return problem(null, 'undeliverable', { days: Math.round((budgetMs / 86_400_000) * 100) / 100, ...serverParams(r) });
}

/** BTXH failed (5xx or no answer in time) on this record alone, again and again, while it took other records. */
export function failsOnRecord(r: SendFailure, times: number): Problem {
  return problem(null, 'failsOnRecord', { times, ...serverParams(r) });
}

/** The server has failed transiently for a while (for the node status and a warning). */
export function unreachable(r: SendFailure, sinceMs: number): Problem {
  return problem(null, 'unreachable', { minutes: Math.round(sinceMs / 60000), ...serverParams(r) });
}

/** The outbox itself failed (database down, disk full). */
export function storeError(err: unknown): Problem {
  return problem(null, 'storeError', { message: maskText(err instanceof Error ? err.message : String(err)) });
}
