export { tcpProvider, type TcpProvider } from './provider.js';
export { createTcpPool, TcpPool, type TcpPoolOptions, type TcpRequestOptions } from './tcp-pool.js';
export { exchange, DEFAULT_MAX_FRAME_BYTES, type ExchangeOptions } from './exchange.js';
export type { Framing } from './framing.js';
export type { TcpProviderOptions, TcpTlsOptions, PingContext, ResolvedTcpOptions } from './options.js';
export { TcpPoolError, isTcpPoolError, type TcpPoolErrorCode } from './errors.js';
export { classifyTcpCreateError } from './classify-create-error.js';
// what users of this adapter need from @pool/core (errors, isPoolError, types), so they need not import it themselves
export { PoolError, PoolTimeoutError, PoolOptionError, isPoolError, type PoolErrorCode, type TimeoutPhase, type Pool, type PoolOptions, type PoolStats, type PoolTotals, type AcquireOptions, type CloseOptions, type Lease, type PoolEvents, type PoolLogger } from '@pool/core';
