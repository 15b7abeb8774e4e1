/** The BTXH HTTP client: see docs/design.md "Client". */
export { Connection, ConfigError } from './connection';
export { isTokenRejection, isSuccessCode } from './classify';
export { isConnectionFault, asEngineResult } from './fault';
export { retryAfterMs } from './retry-after';
export { bypassesProxy } from './agents';
export type { Api, ConnectionConfig, DocumentCheck, Failure, FailureCode, GatewayConfig, ProxyConfig, SendResult, Success, TlsConfig } from './types';
