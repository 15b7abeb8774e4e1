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
  private sequence = 0;

  nextRequest(): number {
    return ++this.sequence;
  }

  store(op: OperationId, records: Record<string, unknown>[], request: number): void {
    const at = new Date().toISOString();
    for (const record of records) this.received.push({ op, record, at, request });
  }

  /** Receipts in the order they arrived, optionally of one operation; copies, so callers cannot change the log. */
  list(op?: OperationId): Received[] {
    return this.received.filter((r) => !op || r.op === op).map((r) => structuredClone(r));
  }

  counts(): Record<OperationId, number> {
    const c = { dossier: 0, progress: 0, decision: 0 };
    for (const r of this.received) c[r.op] += 1;
    return c;
  }

  clear(): void {
    this.received = [];
    this.sequence = 0;
  }
}
