import { maskText } from '../mask';
import { problem, type Problem } from '../problem';
import type { Failure as SendFailure } from '../client/types';
import type { OperationSpec } from '../fields/types';

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

/**
 * D19: the server's refusal, and a problem for each field of the operation its message names
 * ("HoVaTen có độ dài vượt quá 250 ký tự; MaXa không hợp lệ"), so the dialog, the sidebar and
 * output 2 point at the field. A field is recognised by its table name or an alias, as a whole
 * word, in any case; a message that names none leaves the refusal as it is.
 */
export function refusal(r: SendFailure, op: Pick<OperationSpec, 'fields' | 'keyFields'>, record?: Record<string, unknown>): Problem[] {
  let text = String(r.message ?? '');
  // "MaHoSo 000.00.18.H26-…" names the record, not a fault of its MaHoSo.
  for (const k of op.keyFields) {
    const v = record?.[k];
    if (typeof v === 'string' && v) text = text.split(`${k} ${v}`).join(' ');
  }
  const named: Problem[] = [];
  for (const f of op.fields) {
    const spellings = [f.name, ...(f.aliases ?? [])].filter((s) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(s.trim()));
    if (spellings.some((s) => new RegExp(`(^|[^A-Za-z0-9_])${s.trim()}($|[^A-Za-z0-9_])`, 'i').test(text))) {
      named.push(problem(f.name, 'serverNamedField', { message: serverParams(r).message }));
    }
  }
  return [rejectedByServer(r), ...named];
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
