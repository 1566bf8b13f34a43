export { createHttpPool, HttpPool, type HttpPoolOptions, type OriginChange } from './http-pool.js';
export { httpProvider, type HttpProvider, type HttpProviderOptions, type HttpClientOptions } from './provider.js';
export { HttpConnection } from './connection.js';
export { HttpPoolError, isHttpPoolError, type HttpPoolErrorCode } from './errors.js';
export type { HealthCheckOptions } from './health-check.js';
export type { FailoverOptions, OriginStatus } from './origin-state.js';
export { redactUrl, scrubText, scrubError } from '@pool/core';
