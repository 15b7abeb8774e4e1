import type { Store } from '../lib/outbox/store';
import { problem, type Problem } from '../lib/problem';
import type { AuthNode } from './btxh-auth';
import { renderProblem, T } from './i18n';
import type { Node, Red } from './red';

/**
 * The outbox of a node's connection, or why the node cannot work, in this order: no
 * connection, an unusable one, the node's own settings (`own`, when given), an outbox that
 * cannot be opened (a bad file path, PostgreSQL without a connection string…).
 */
export function outboxFor(RED: Red, auth: AuthNode | null, own?: () => string | undefined): { store: Store } | { broken: string } {
  if (!auth) return { broken: T(RED, 'status.noAuth') };
  if (auth.configProblem) return { broken: renderProblem(RED, auth.configProblem).message };
  const mine = own?.();
  if (mine) return { broken: mine };
  try {
    return { store: auth.store() };
  } catch (err) {
    const p = (err as { problem?: Problem }).problem ?? problem(null, 'outboxUnavailable', { store: auth.queueKind, detail: (err as Error).message });
    return { broken: T(RED, 'status.noStore', { message: renderProblem(RED, p).message }) };
  }
}

/**
 * A node that cannot work exists all the same: it says why in red and in the log, and refuses
 * every input (not acknowledged: done(err) reaches Catch nodes, and no record is lost silently).
 */
export function refuseInputs(node: Node, why: string): void {
  node.status({ fill: 'red', shape: 'ring', text: why.length > 120 ? why.slice(0, 119) + '…' : why });
  node.error(why);
  node.on('input', (_msg, _send, done) => done(new Error(why)));
}
