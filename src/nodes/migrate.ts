import type { Mapping } from './mapping';

/**
 * Saved sync-node configurations carry a version and are brought up to date
 * when a flow is loaded (runtime) or opened (editor), as mature Node-RED
 * packages do: a flow saved by an older version keeps working, with today's
 * meaning.
 *
 * - 1 (no `version`): delivery was bounded by `attempts` with `backoffBase` /
 *   `backoffMax`. Every shipped example pinned 5 tries, which dead-lettered a
 *   backlog within seconds of an outage. From 2 on a time budget (`giveUpAfter`,
 *   days, default 7) replaces them and the connection paces the retries: the
 *   old values are dropped, never turned into a shorter budget.
 */
export const SYNC_VERSION = 2;

export interface SyncConfig {
  id: string;
  name?: string;
  version?: number | string;
  auth: string;
  batchSize?: number | string;
  concurrency?: number | string;
  /** Days after acceptance before a record that fails only transiently is given up on (default 7). */
  giveUpAfter?: number | string;
  dateFormats?: string;
  resend?: boolean;
  checkUrl?: boolean;
  /** With checkUrl: also check links to private, loopback and link-local addresses (off by default). */
  checkPrivate?: boolean;
  unreachableAfter?: number | string;
  /** Seconds a claim holds its entries (default 300). With a shared PostgreSQL outbox this is how long the records of a killed instance wait; keep it well above the connection timeout. */
  lease?: number | string;
  mapping?: Mapping;
  /** Version 1 only. */
  attempts?: unknown;
  backoffBase?: unknown;
  backoffMax?: unknown;
}

/** The configuration as the current version reads it (a copy; the input is left alone). */
export function migrateSync(config: SyncConfig): SyncConfig {
  const c: SyncConfig = { ...config };
  const v = Number(c.version ?? 1) || 1;
  if (v < 2) {
    delete c.attempts;
    delete c.backoffBase;
    delete c.backoffMax;
  }
  c.version = SYNC_VERSION;
  return c;
}
