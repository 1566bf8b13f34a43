import { PoolOptionError, describeValue } from '@pool/core';

/** A server's host and port (a sentinel, a cluster node). */
export interface NodeAddress {
  host: string;
  port: number;
}

/** `host:port`, the key of a node in maps and messages. */
export function addressKey(address: NodeAddress): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

/**
 * Reads `{ host, port }`, `'host:port'` or `'redis://host:port'` (only host and port are taken from a
 * URL). Throws POOL_INVALID_OPTION naming `option` (e.g. `sentinels[1]`).
 */
export function parseNodeAddress(value: unknown, option: string, defaultPort: number): NodeAddress {
  if (typeof value === 'string') {
    const text = value.includes('://') ? value : `redis://${value}`;
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new PoolOptionError(option, `[@pool/redis] invalid option \`${option}\`: expected 'host:port', got ${describeValue(value)}`);
    }
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    return checked({ host, port: url.port === '' ? defaultPort : Number(url.port) }, option);
  }
  if (typeof value === 'object' && value !== null) {
    const { host = '127.0.0.1', port = defaultPort } = value as Partial<NodeAddress>;
    return checked({ host, port }, option);
  }
  throw new PoolOptionError(option, `[@pool/redis] invalid option \`${option}\`: expected { host, port } or 'host:port', got ${describeValue(value)}`);
}

function checked(address: NodeAddress, option: string): NodeAddress {
  if (typeof address.host !== 'string' || address.host === '') {
    throw new PoolOptionError(`${option}.host`, `[@pool/redis] invalid option \`${option}.host\`: expected a non-empty string`);
  }
  if (!Number.isInteger(address.port) || address.port < 1 || address.port > 65_535) {
    throw new PoolOptionError(`${option}.port`, `[@pool/redis] invalid option \`${option}.port\`: expected an integer 1-65535, got ${describeValue(address.port)}`);
  }
  return { host: address.host, port: address.port };
}
