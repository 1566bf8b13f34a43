/** The services the adapters' integration tests talk to. */
export type ServiceName = 'pg' | 'mysql' | 'redis';

/** The environment variable that overrides each service's URL. */
export const serviceEnv: Readonly<Record<ServiceName, string>> = {
  pg: 'POOL_PG_URL',
  mysql: 'POOL_MYSQL_URL',
  redis: 'POOL_REDIS_URL',
};

/** The URL used when the environment variable is unset (the servers `pnpm services` starts). */
export const serviceDefaults: Readonly<Record<ServiceName, string>> = {
  pg: 'postgres://postgres@127.0.0.1:5432/test',
  mysql: 'mysql://root@127.0.0.1:3306/test',
  redis: 'redis://127.0.0.1:6379',
};

const defaultPorts: Readonly<Record<ServiceName, number>> = { pg: 5432, mysql: 3306, redis: 6379 };

/**
 * The URL of a test service: `POOL_PG_URL`, `POOL_MYSQL_URL` or `POOL_REDIS_URL` when set and not
 * empty, otherwise the default from design.md.
 */
export function serviceUrl(service: ServiceName): string {
  if (!(service in serviceEnv)) throw new TypeError(`Unknown service "${String(service)}": expected pg, mysql or redis`);
  const fromEnv = process.env[serviceEnv[service]];
  return fromEnv !== undefined && fromEnv.trim() !== '' ? fromEnv.trim() : serviceDefaults[service];
}

/** The host and port a service URL points at (the protocol's default port when the URL has none). */
export function serviceAddress(service: ServiceName): { host: string; port: number } {
  const url = new URL(serviceUrl(service));
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
  return { host, port: url.port === '' ? defaultPorts[service] : Number(url.port) };
}

/** The URL with any password replaced by `***`, safe for messages and logs. */
export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return raw.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
  }
}
