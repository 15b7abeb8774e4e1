import type { SendResult } from '../client/types';
import type { Exchange } from '../outbox/journal';

/**
 * What is kept of one exchange with BTXH (the journal, a trial's report): the HTTP status,
 * BTXH's error_code and message (or the client's failure code and reason) and how long it
 * took. Whoever keeps it masks and bounds it (journalExchange).
 */
export function exchangeOf(r: SendResult, ms: number): Exchange {
  const x: Exchange = { ms };
  if (r.status !== undefined) x.status = r.status;
  if (r.ok) {
    const b = r.body as { error_code?: unknown; message?: unknown } | null;
    if (b && typeof b === 'object') {
      if (b.error_code !== undefined && b.error_code !== null) x.code = String(b.error_code);
      if (typeof b.message === 'string') x.message = b.message;
    }
  } else {
    x.code = String(r.code);
    if (r.message) x.message = r.message;
  }
  return x;
}
