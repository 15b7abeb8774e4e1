export { delay, type BackoffOptions } from './backoff';
export { keyOf, hashOf, canonical } from './key';
export { Sender, type SenderOptions, type DeliveredInfo } from './sender';
export type { SendResult, SendFailure } from './result';
export * as problems from './problems';
