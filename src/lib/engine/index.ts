export { delay, probeDelay, type BackoffOptions } from './backoff';
export { keyOf, hashOf, canonical } from './key';
export { Sender, type SenderOptions, type DeliveredInfo } from './sender';
export { Circuit, type CircuitOptions, type CircuitState } from './circuit';
export * as problems from './problems';
