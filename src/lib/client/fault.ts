import type { SendResult } from './types';

/**
 * Failures that say nothing about the records: wrong credentials, a
 * certificate or proxy problem, a wrong path or a redirect. Splitting the batch
 * or dead-lettering its records for them would blame the data for the
 * connection; the engine treats them like an outage instead (kept, retried,
 * and reported as "unreachable" when they last).
 */
const CONNECTION_CODES = new Set(['authFailed', 'tls', 'proxy', 'redirect', 'invalidUrl', 'missingCredential']);
const CONNECTION_STATUS = new Set([401, 403, 404, 405, 407]);

export function isConnectionFault(r: SendResult): boolean {
  if (r.ok) return false;
  return CONNECTION_CODES.has(r.code) || (r.status !== undefined && CONNECTION_STATUS.has(r.status));
}

/** The same result with connection faults made transient: what `Connection.send` returns. */
export function asConnectionResult(r: SendResult): SendResult {
  return !r.ok && r.kind === 'rejected' && isConnectionFault(r) ? { ...r, kind: 'transient' } : r;
}
