import type { Problem } from '../problem';

/**
 * The outbox. Every accepted record is an entry; a sender claims entries,
 * delivers them and marks the outcome. Stores: memory (not durable), sqlite
 * (one process, durable), postgres (several Node-RED instances share one queue).
 */

export type EntryState = 'waiting' | 'inflight' | 'delivered' | 'dead';
/**
 * Why an entry is dead: `rejected` by the server, `undeliverable` (out of
 * attempts), or `superseded`: a newer entry of its key (accepted after it) was
 * delivered, so sending it again would overwrite newer content at BTXH. Replay
 * never picks a superseded letter; it stays listed so nothing disappears silently.
 */
export type DeadReason = 'rejected' | 'undeliverable' | 'superseded';

export interface NewEntry {
  /** The node that accepted the record and reports its outcome (a Node-RED node id). */
  owner: string;
  /** Operation id: "dossier" | "progress" | "decision". */
  op: string;
  /** Idempotency key: op + key fields (lib/engine/key.ts). */
  key: string;
  /** Content hash of the wire record. */
  hash: string;
  /** The wire record, exactly as it will be sent. */
  record: Record<string, unknown>;
  /** The record as received (for output 2 and replay). */
  original: unknown;
  /** Small per-message context kept for the outputs (e.g. _msgid, topic). Never secrets. */
  meta?: Record<string, unknown>;
}

export interface Entry extends NewEntry {
  id: number;
  state: EntryState;
  /** Send attempts made so far. */
  attempts: number;
  /** Epoch ms the entry was accepted. */
  createdAt: number;
  /** Epoch ms before which it is not retried. */
  notBefore: number;
  lastError?: Problem[];
  reason?: DeadReason;
  /**
   * Epoch ms the entry was dead-lettered (rejected by the server or out of
   * attempts); set only while it is dead, cleared by replay. PostgreSQL uses
   * the database's clock, as for `createdAt`.
   */
  deadAt?: number;
}

export interface EnqueueResult {
  /** Entries stored and waiting. */
  accepted: Entry[];
  /** Entries skipped because the same key and content were already delivered. */
  skipped: NewEntry[];
}

export interface Counts {
  waiting: number;
  inflight: number;
  dead: number;
  delivered: number;
  /** Age in ms of the oldest waiting or in-flight entry, 0 when none. */
  oldestMs: number;
}

export interface ReplayFilter {
  keys?: string[];
  reason?: DeadReason;
}

export interface Store {
  /** Durable stores commit before resolving: only then may the input be acknowledged. */
  enqueue(entries: NewEntry[], opts?: { resend?: boolean }): Promise<EnqueueResult>;
  /**
   * Claim up to `limit` due waiting entries of `owner` (oldest first) for `leaseMs`;
   * a key already in flight is never claimed twice. Expired leases are claimable.
   */
  claim(owner: string, limit: number, leaseMs: number): Promise<Entry[]>;
  /**
   * The entries reached the server: forget their payload, remember key and hash.
   * Older entries of the same keys (accepted before, i.e. lower id) that are dead,
   * or waiting because they were replayed while the newer one was on the wire,
   * become dead letters with reason `superseded`.
   */
  delivered(ids: number[]): Promise<void>;
  /** Back to waiting after a transient failure: attempts += 1, not before `notBefore`. */
  retry(ids: number[], error: Problem[], notBefore: number): Promise<void>;
  /** `tried`: the entries were just sent and failed, so that try counts as an attempt (a dead letter tells how many tries it got). */
  dead(ids: number[], reason: DeadReason, error: Problem[], opts?: { tried?: boolean }): Promise<void>;
  /**
   * Dead letters of `owner` back to waiting (attempts reset, key kept). Returns how
   * many. Superseded letters are never replayed, whatever the filter.
   */
  replay(owner: string, filter?: ReplayFilter): Promise<number>;
  /**
   * Renews for `leaseMs` (from now) the lease of those `ids` still in flight and
   * held by this store instance, while their request is still being worked on.
   * Entries delivered, retried, dead, released or taken over by another instance
   * (postgres: another claimer) are left as they are.
   */
  extend(ids: number[], leaseMs: number): Promise<void>;
  /** In-flight entries of `owner` back to waiting (clean shutdown). */
  release(owner: string): Promise<void>;
  /**
   * Only for a store that belongs to one process (sqlite): in-flight entries of
   * `owner` back to waiting when its sender starts, because whoever held them
   * is gone (a crash, a SIGKILL, a power cut) and waiting for their lease would
   * hold them for minutes. Returns how many. Shared stores (postgres) leave it
   * out: another instance may be sending them right now.
   */
  recover?(owner: string): Promise<number>;
  counts(owner: string): Promise<Counts>;
  deadLetters(owner: string, limit?: number): Promise<Entry[]>;
  close(): Promise<void>;
}
