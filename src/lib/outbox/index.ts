import { MemoryStore } from './memory';
import type { Store } from './store';

export * from './store';
export { MemoryStore };

export type StoreKind = 'memory' | 'sqlite' | 'postgres';

/**
 * The store a connection asked for. The durable stores are required only when
 * chosen, so a flow on the memory or sqlite store never loads pg (and the
 * reverse). They take their options as given (file path, pool config…).
 */
export function createStore(kind: StoreKind, options: Record<string, unknown> = {}): Store {
  switch (kind) {
    case 'memory':
      return new MemoryStore(options as { rememberKeys?: number });
    case 'sqlite':
      // On a thread of its own: its commits and fsyncs never hold Node-RED's event loop (./thread.ts).
      return construct(require('./thread'), 'ThreadStore', options);
    case 'postgres':
      return construct(require('./postgres'), 'PostgresStore', options);
    default:
      throw new Error(`unknown outbox store: ${String(kind)}`);
  }
}

type StoreClass = new (options: Record<string, unknown>) => Store;

function construct(mod: Record<string, unknown>, name: string, options: Record<string, unknown>): Store {
  const Ctor = (mod[name] ?? mod.default) as StoreClass | undefined;
  if (typeof Ctor !== 'function') throw new Error(`outbox store module does not export ${name}`);
  return new Ctor(options);
}
