export { type PrivateServer, type RestartOptions, type RestartTimes } from './managed-server.js';
export { startPrivatePostgres, type PrivatePostgres, type PrivatePostgresOptions } from './postgres.js';
export { startPrivateMariadb, type PrivateMariadb, type PrivateMariadbOptions } from './mariadb.js';
export { startPrivateRedisServer, type PrivateRedisServer, type PrivateRedisOptions } from './redis.js';
export { startPrivateHttpServer, type PrivateHttpServer } from './http.js';
export { startPrivateWsServer, startPrivateLineServer, type PrivateWsServer, type PrivateLineServer } from './node-servers.js';
export { redisCommand } from './resp.js';
export { requirePrivateServer, type PrivateServerCheck } from './available.js';
export { freeLoopbackPort, processTree, isAlive } from './processes.js';
