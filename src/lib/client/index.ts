/** The BTXH HTTP client: see docs/design.md "Client". */
export { Connection, ConfigError, DEFAULT_BUSY_CODES } from './connection';
export { isTokenRejection, isSuccessCode } from './classify';
export { isConnectionFault } from './fault';
export { retryAfterMs } from './retry-after';
export { bypassesProxy } from './agents';
export type { Api, ConnectionConfig, DocumentCheck, Failure, FailureCode, GatewayConfig, ProxyConfig, SendResult, Success, TlsConfig } from './types';
