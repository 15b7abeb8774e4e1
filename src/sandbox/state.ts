import type { OperationId } from '../lib/fields';

/** One record the sandbox accepted. Duplicates are kept: a test must be able to see "sent twice". */
export interface Received {
  op: OperationId;
  record: Record<string, unknown>;
  /** When it was received, ISO 8601. */
  at: string;
  /** Sequence number of the HTTP request that carried it (records of one batch share it). */
  request: number;
}

/** The sandbox's memory: every receipt, in order. */
export class State {
  private received: Received[] = [];
  private count: Record<OperationId, number> = { dossier: 0, progress: 0, decision: 0 };
  private sequence = 0;

  nextRequest(): number {
    return ++this.sequence;
  }

  /** Is a record of `op` with this MaHoSo stored (the deployed profile's "already exists")? */
  holds(op: OperationId, maHoSo: unknown): boolean {
    return this.received.some((r) => r.op === op && r.record.MaHoSo === maHoSo);
  }

  store(op: OperationId, records: Record<string, unknown>[], request: number): void {
    const at = new Date().toISOString();
    for (const record of records) this.received.push({ op, record, at, request });
    this.count[op] += records.length;
  }

  /**
   * Receipts in the order they arrived, optionally of one operation and only the last `limit`;
   * copies, so callers cannot change the log. Only what is returned is copied: a poll for the
   * counts of a sandbox holding 100,000 records must not copy them all.
   */
  list(op?: OperationId, limit = 0): Received[] {
    let list = op ? this.received.filter((r) => r.op === op) : this.received;
    if (limit > 0) list = list.slice(-limit);
    return list.map((r) => structuredClone(r));
  }

  counts(): Record<OperationId, number> {
    return { ...this.count };
  }

  clear(): void {
    this.received = [];
    this.count = { dossier: 0, progress: 0, decision: 0 };
    this.sequence = 0;
  }
}
