import { addressKey, type NodeAddress } from './node-address.js';

/** A cluster redirection: `MOVED <slot> <host:port>` (the slot lives there now) or `ASK` (this once, during a migration). */
export interface Redirect {
  kind: 'MOVED' | 'ASK';
  slot: number;
  address: NodeAddress;
  /** `host:port` */
  key: string;
}

const pattern = /^(MOVED|ASK) (\d+) (\S*):(\d+)/;

function parse(message: string, askedHost: string): Redirect | undefined {
  const match = pattern.exec(message);
  if (match === null) return undefined;
  // an empty host means "the host you asked" (cluster-announce-hostname unset, unknown endpoint)
  const host = (match[3] === '' || match[3] === '?' ? askedHost : (match[3] as string)).replace(/^\[(.*)\]$/, '$1');
  const address = { host, port: Number(match[4]) };
  return { kind: match[1] as 'MOVED' | 'ASK', slot: Number(match[2]), address, key: addressKey(address) };
}

/**
 * The redirection in a reply error: the error itself (a command, WATCH) or, for an EXEC that
 * failed with EXECABORT, the first queued command's error (ioredis keeps them in `previousErrors`).
 */
export function redirectOf(error: unknown, askedHost: string): Redirect | undefined {
  if (!(error instanceof Error)) return undefined;
  const direct = parse(error.message, askedHost);
  if (direct !== undefined) return direct;
  if (!error.message.startsWith('EXECABORT')) return undefined;
  const previous = (error as { previousErrors?: unknown }).previousErrors;
  if (!Array.isArray(previous)) return undefined;
  for (const item of previous) {
    const found = item instanceof Error ? parse(item.message, askedHost) : undefined;
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * A reply saying the command was not run because the node's role or slots changed under a blocked
 * call (`UNBLOCKED ... instance state changed`), or the slot is mid-migration (`TRYAGAIN`) or the
 * cluster is reconfiguring (`CLUSTERDOWN`): nothing was executed, so the call may be retried.
 */
export function isNotExecuted(error: unknown): boolean {
  if (!(error instanceof Error) || error.name !== 'ReplyError') return false;
  return /^(UNBLOCKED|TRYAGAIN|CLUSTERDOWN)/.test(error.message);
}
