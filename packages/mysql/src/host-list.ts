import { describeValue, PoolOptionError } from '@pool/core';

/** One host of a multi-host config: `'host:port'` or `{ host, port }`. */
export type MysqlHost = string | { host: string; port?: number };

/** Reads and checks `hosts` (POOL_INVALID_OPTION naming the entry). */
export function readHosts(hosts: unknown): Array<{ host: string; port: number }> {
  if (!Array.isArray(hosts) || hosts.length === 0) throw new PoolOptionError('hosts', `Expected \`hosts\` to be a non-empty array of 'host:port' or { host, port }, got ${describeValue(hosts)}`);
  return hosts.map((entry: unknown, i) => {
    if (typeof entry === 'string') {
      const match = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(entry);
      const port = match?.[2] === undefined ? 3306 : Number(match[2]);
      if (!match || port < 1 || port > 65535) throw new PoolOptionError(`hosts[${i}]`, `Expected \`hosts[${i}]\` to be 'host:port', got ${describeValue(entry)}`);
      return { host: match[1]!, port };
    }
    const { host, port = 3306 } = (entry ?? {}) as { host?: unknown; port?: unknown };
    if (typeof host !== 'string' || !Number.isInteger(port) || (port as number) < 1 || (port as number) > 65535) {
      throw new PoolOptionError(`hosts[${i}]`, `Expected \`hosts[${i}]\` to be { host: string, port?: number }, got ${describeValue(entry)}`);
    }
    return { host, port: port as number };
  });
}
