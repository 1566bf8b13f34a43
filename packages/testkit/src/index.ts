export { serviceUrl, serviceAddress, redactUrl, serviceDefaults, serviceEnv, type ServiceName } from './service-url.js';
export { requireService, type ServiceCheck, type RequireServiceOptions } from './require-service.js';
export { startFaultProxy, type FaultProxy, type FaultProxyOptions, type ProxyTarget } from './fault-proxy.js';
export { runConformance, conformanceTiming, type ConformanceOptions } from './conformance.js';
export { statsViolations } from './pool-invariants.js';
export { waitUntil, within } from './wait-until.js';
export { selfSignedCertificate, type SelfSigned } from './self-signed.js';
export { runReadmeExample, readmeBlock, type RunReadmeOptions } from './readme-example.js';
export {
  startPrivatePostgres,
  startPrivateMariadb,
  startPrivateRedisServer,
  startPrivateHttpServer,
  type PrivateHttpServer,
  startPrivateWsServer,
  startPrivateLineServer,
  type PrivateWsServer,
  type PrivateLineServer,
  requirePrivateServer,
  type PrivateServerCheck,
  redisCommand,
  freeLoopbackPort,
  processTree,
  isAlive,
  type PrivateServer,
  type PrivatePostgres,
  type PrivatePostgresOptions,
  type PrivateMariadb,
  type PrivateMariadbOptions,
  type PrivateRedisServer,
  type PrivateRedisOptions,
  type RestartOptions,
  type RestartTimes,
} from './private-server/index.js';
export { hasPromtool, requirePromtool, promtoolCheck } from './promtool.js';
export { restartUnderLoad, type RestartRun, type CallOutcome } from './restart-under-load.js';
export { recordCallTraces } from './call-traces.js';
export { faultSummary, faultUnderLoad, logMeasure, untilSuccess, type FaultRun, type LoadOutcome } from './fault-under-load.js';
export { runUntilExit, type ChildExit } from './child-exit.js';
export { runShutdownExit, type ShutdownExitOptions } from './shutdown-exit-suite.js';
export { cutRequests, expectCutRun, type CutRun } from './cut-requests.js';
export { optionError } from './option-error.js';
export { useProxiedServer, type TestServer } from './proxied-server.js';
export { closeDuringOutage, type OutageClose } from './outage-close.js';
export { freezeFor, callIntoIdleFreeze, expectIdleFreezeRecovered, idleFreezeSummary, type IdleFreeze } from './freeze.js';
export { withBaseline } from './with-baseline.js';
export { expectQueryTimeout } from './query-timeout.js';
export { closePoolsAfterEach, type ClosablePool } from './close-pools.js';
export { serverPerFile } from './server-per-file.js';
export { usePlainAndTlsServers } from './tls-server-pair.js';
export { callsAfterRestart, callsAfterRestartSummary, expectNoFailureAfterRestart, type CallsAfterRestart } from './calls-after-restart.js';
