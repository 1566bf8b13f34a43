export { wsProvider, type WsProvider } from './provider.js';
export { createWsPool, WsPool, type WsPoolOptions, type WsRequestOptions } from './ws-pool.js';
export { pingWebSocket } from './ping.js';
export { redactUrl, scrubText, scrubError } from '@pool/core/adapter-kit';
export type { WsProviderOptions, ResolvedWsOptions } from './options.js';
export { WsPoolError, isWsPoolError, type WsPoolErrorCode } from './errors.js';
export { classifyWsCreateError } from './classify-create-error.js';
// what users of this adapter need from @pool/core (errors, isPoolError, types), so they need not import it themselves
export { PoolError, PoolTimeoutError, PoolOptionError, isPoolError, type PoolErrorCode, type TimeoutPhase, type Pool, type PoolOptions, type PoolStats, type PoolTotals, type AcquireOptions, type CloseOptions, type Lease, type PoolEvents, type PoolLogger } from '@pool/core';
