export { wsProvider, type WsProvider } from './provider.js';
export { createWsPool, WsPool, type WsPoolOptions, type WsRequestOptions } from './ws-pool.js';
export { pingWebSocket } from './ping.js';
export { redactUrl, scrubText, scrubError } from '@pool/core';
export type { WsProviderOptions, ResolvedWsOptions } from './options.js';
export { WsPoolError, isWsPoolError, type WsPoolErrorCode } from './errors.js';
export { classifyWsCreateError } from './classify-create-error.js';
