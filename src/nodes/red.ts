/**
 * The little of Node-RED's API the adapters use. Node-RED ships no types of
 * its own and @types/node-red lags behind it; these keep the adapters honest
 * without a dependency.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
export interface NodeMessage {
  _msgid?: string;
  payload?: unknown;
  topic?: string;
  [key: string]: unknown;
}

export type Send = (msg: NodeMessage | (NodeMessage | NodeMessage[] | null)[]) => void;
export type Done = (err?: Error) => void;

export interface Node {
  id: string;
  type: string;
  name?: string;
  z?: string;
  credentials: Record<string, string | undefined>;
  on(event: 'input', fn: (msg: NodeMessage, send: Send, done: Done) => void): void;
  on(event: 'close', fn: (removed: boolean, done: () => void) => void): void;
  send: Send;
  status(s: { fill?: string; shape?: string; text?: string } | Record<string, never>): void;
  log(text: string): void;
  warn(text: unknown): void;
  error(text: unknown, msg?: NodeMessage): void;
  debug(text: string): void;
  trace(text: string): void;
}

export interface Red {
  nodes: {
    createNode(node: object, config: object): void;
    registerType(type: string, ctor: Function, opts?: object): void;
    getNode(id: string): any;
    getCredentials(id: string): Record<string, string> | undefined;
    /** Every node of the deployed flows, as configured (the instance: getNode). */
    eachNode(fn: (n: { id: string; type: string }) => void): void;
  };
  plugins: { registerPlugin(id: string, definition: object): void };
  util: {
    evaluateNodeProperty(value: unknown, type: string, node: object, msg: object, cb?: (err: Error | null, v: unknown) => void): unknown;
    cloneMessage<T>(msg: T): T;
    /** A property path as its steps (`payload["a b"].c` -> payload, a b, c); throws on a bad one. */
    normalisePropertyExpression(expr: string): Array<string | number>;
    setMessageProperty(msg: object, prop: string, value: unknown, createMissing?: boolean): boolean;
    prepareJSONataExpression(expr: string, node: object): any;
    evaluateJSONataExpression(expr: any, msg: object, cb: (err: Error | null, v: unknown) => void): void;
  };
  settings: Record<string, any>;
  httpAdmin: any;
  auth: { needsPermission(permission: string): any };
  log: { info(t: string): void; warn(t: string): void; debug(t: string): void };
  _(key: string, params?: object): string;
}
