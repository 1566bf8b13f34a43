export { REDACTED, redactUrl, secretsOfUrl, scrubText, scrubError } from './redact.js';
export { callTrace, traceCall, type CallTraceContext } from './call-trace.js';
export { poolSource, poolsOf, defaultPoolName, targetName, type PoolSource, type TargetFields } from './pool-source.js';
export { CallWatchdog, livenessDefaults, type CallWatchdogOptions, type WatchedCall } from './call-watchdog.js';
export { raceWatched } from './watched-race.js';
export { backoffDelay } from '../src/backoff.js';
export { watchedAcquire } from './watched-acquire.js';
export { probeWasRefused } from './probe-refused.js';
export { takeListenerBaseline, listenersChanged, restoreListeners, restoreEveryListener, type AnyEventHost, type ListenerBaseline, type ListenerHost } from './borrower-listeners.js';
