/**
 * The client's public shapes. Node adapters and the engine code against these;
 * everything else in `lib/client` is an implementation detail.
 */
import type { OperationSpec } from '../fields/types';

export type Api = OperationSpec['api'];

export interface GatewayConfig {
  /** Client-credentials token endpoint of the provincial LGSP; without it no Bearer is sent. */
  tokenUrl?: string;
  clientId?: string;
  clientSecret?: string;
  scope?: string;
  /**
   * How the client authenticates to tokenUrl (RFC 6749 2.3.1): HTTP Basic (the
   * RFC's default, WSO2-based LGSPs accept it) or client_id/client_secret in the form body.
   */
  clientAuth?: 'basic' | 'body';
  /** Extra headers on every request through the gateway, e.g. lgspaccesstoken, SENDER_CODE: ''. */
  headers?: Record<string, string>;
}

export interface TlsConfig {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  /** A PKCS#12 client certificate and key (Node-RED 5's tls-config "p12"), opened with `passphrase`. */
  pfx?: string | Buffer;
  passphrase?: string;
  /** The name sent as SNI and checked against the server's certificate, when it is not the URL's host. */
  servername?: string;
  /** Verification stays on unless this is explicitly false. */
  rejectUnauthorized?: boolean;
}

export interface ProxyConfig {
  url: string;
  /** Hosts reached directly: "host", "host:port", ".suffix" / "*.suffix", or "*". */
  noProxy?: string[];
  username?: string;
  password?: string;
}

export interface ConnectionConfig {
  /** Absolute http(s) URL; never hard-coded (D17). */
  baseUrl: string;
  /** Per operation: absolute URL, or a path appended to baseUrl (defaults: api.md). */
  paths?: Partial<Record<Api | 'GetToken' | 'Pull', string>>;
  /** D16: (a) token (default), (b) key, (c) gateway. */
  mode?: 'token' | 'key' | 'gateway';
  username?: string;
  password?: string;
  /** Mode key (and gateway without username): sent as the body field AcceptKey of each record. */
  key?: string;
  /**
   * D20: field names sent under another name (table name -> name on the wire), for every
   * operation of the connection: `{SubmittedDate: "SubmitedDate"}`. The record keeps the table's
   * name everywhere else (outbox, hash, history); only the request body is renamed.
   */
  emitNames?: Record<string, string>;
  gateway?: GatewayConfig;
  /** Per request, default 30000; covers connect, send and the whole response. */
  timeoutMs?: number;
  /** Refresh the BTXH token after this long (default 30 min); 0 = only when rejected. */
  tokenLifetimeMs?: number;
  /** D1: JSON array of records (default) or one object per request (forced when a key is sent). */
  bodyShape?: 'array' | 'object';
  tls?: TlsConfig;
  proxy?: ProxyConfig;
  userAgent?: string;
  /**
   * error_code values that mean "BTXH is busy or under maintenance" (default
   * [-1]): such an answer is retried like an outage, never a record's dead letter.
   */
  busyCodes?: (string | number)[];
  /** D19: error_code values that mean success (default [0, "0"], the annex's). */
  successCodes?: (string | number)[];
  /**
   * D19: an answer that says the record is already there — error_code in `existsCodes`, or a
   * message matching `existsPattern` (compared without case or diacritics) — counts as
   * delivered. Off by default (both empty).
   */
  existsCodes?: (string | number)[];
  existsPattern?: string;
}

/** Why a request failed, as a message key (errors.<code> in nodes/locales/<lang>/btxh-auth.json). */
export type FailureCode =
  | 'network'
  | 'timeout'
  | 'serverError'
  | 'rateLimited'
  | 'proxy'
  | 'http'
  | 'redirect'
  | 'badResponse'
  | 'busy'
  | 'apiError'
  | 'authFailed'
  | 'tls'
  | 'noRecords';

export interface Success {
  ok: true;
  status: number;
  body: unknown;
  message?: string;
  /** D19: BTXH said the record was already there (an "already exists" answer): delivered all the same. */
  already?: boolean;
}

/**
 * `rejected`: a verdict on the records (the same records get it again).
 * `transient`: says nothing about them (network, timeout, 5xx, 429, a broken or
 * "busy" answer, a connection fault): retried under the time budget.
 */
export interface Failure {
  ok: false;
  kind: 'transient' | 'rejected';
  status?: number;
  code: FailureCode | string;
  /** The server's message when it sent one, otherwise a short technical reason; secrets scrubbed. */
  message: string;
  /** The server's body (rejected only), secrets scrubbed. */
  body?: unknown;
  retryAfterMs?: number;
  /**
   * One record per request (bodyShape 'object' or a static key): how many of
   * the records, in order, were accepted before this failure. They are delivered.
   */
  delivered?: number;
}

/**
 * `ready`: asked just before each request leaves; false holds it back with a transient
 * `notSent` failure (the engine's claim on the records was taken over meanwhile).
 */
export interface SendOptions {
  ready?: () => boolean | Promise<boolean>;
}

/** The code of a request held back by `SendOptions.ready`: nothing reached the server. */
export const NOT_SENT = 'notSent';

/** The outcome of one `Connection.send`: the only result type the engine knows. */
export type SendResult = Success | Failure;

export interface DocumentCheck {
  ok: boolean;
  status?: number;
  contentType?: string;
  /**
   * Set when ok is false: documentUrl, documentStatus, documentType, documentPrivate,
   * documentRedirect (to another host), documentRedirects (too many), tls, or
   * documentUnavailable (with `reason`) for a failure that may pass.
   */
  code?: string;
  /** What made an unavailable link unavailable: timeout, network, proxy, badResponse, "HTTP 503"… */
  reason?: string;
  /** The failure may pass: try the record again later, do not refuse it. */
  transient?: boolean;
}

/** D22: what a pull asks BTXH for (case A2): the province's units and a window, dd/MM/yyyy HH:mm:ss (Vietnam). */
export interface PullQuery {
  MaTinh: string;
  MaHuyen?: string;
  MaXa?: string;
  ThoiGianBatDau: string;
  ThoiGianKetThuc: string;
  /** What the deployed province sends ("100"). */
  LoaiDuLieu?: string;
}

/** A pull's answer: the dossiers as BTXH sent them, or why not. */
export type PullResult = { ok: true; status: number; items: Record<string, unknown>[] } | Failure;
