import { randomUUID } from 'crypto';
import { hostname } from 'os';

/**
 * Fencing tokens for claims. Each names its holder, `host/pid/…` (as
 * graphile-worker's `locked_by` does), so an operator looking at a stuck entry
 * in a shared outbox can tell which instance holds it; the random part makes a
 * token unique across restarts, so a claim from an earlier run never matches.
 */
export class LeaseTokens {
  private readonly prefix = `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
  private n = 0;

  next(): string {
    return `${this.prefix}.${++this.n}`;
  }
}
