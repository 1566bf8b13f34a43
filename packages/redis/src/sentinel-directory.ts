import { scrubError } from '@pool/core/adapter-kit';
import { Redis, type RedisOptions } from 'ioredis';
import { closeNow } from './close.js';
import { addressKey, type NodeAddress } from './node-address.js';
import type { ResolvedSentinelOptions } from './sentinel-config.js';
import { RedisTopologyError } from './topology-errors.js';

/** What a `+switch-master` message announced: the master name's new primary. */
export interface SwitchMaster {
  from: NodeAddress;
  to: NodeAddress;
  /** From `+promoted-slave`: the replica is a primary now, the sentinels still name the old one. */
  promoted: boolean;
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new Error('aborted');
}

/** `[k1, v1, k2, v2, ...]` (a SENTINEL REPLICAS entry) as an object. */
function fields(flat: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(flat)) return out;
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = String(flat[i + 1]);
  return out;
}

/**
 * The sentinels of one master name: asks them where the primary and the replicas are (each sentinel
 * in turn, starting with the last one that answered), and listens to `+switch-master` on all of them.
 * Its connections reconnect on their own (they are not pool connections) and never crash the
 * process with an 'error' event.
 */
export class SentinelDirectory {
  private readonly clients = new Map<number, Redis>();
  private readonly subscribers: Redis[] = [];
  private preferred = 0;
  private replicaTurn = 0;
  private closed = false;
  /** The last error of a sentinel connection (sentinelPassword scrubbed), for messages. */
  private last: unknown;

  constructor(private readonly options: ResolvedSentinelOptions) {}

  private get lastError(): unknown {
    return this.last;
  }

  private set lastError(error: unknown) {
    // ioredis keeps AUTH's arguments on the error (`command.args`): never let the password out
    this.last = this.options.password === undefined || this.options.password === '' ? error : scrubError(error, [this.options.password]);
  }

  private connectionOptions(address: NodeAddress): RedisOptions {
    const { username, password, timeoutMs } = this.options;
    return {
      host: address.host,
      port: address.port,
      ...(username !== undefined ? { username } : {}),
      ...(password !== undefined ? { password } : {}),
      connectTimeout: timeoutMs,
      connectionName: 'pool-sentinel-client',
      enableReadyCheck: false,
      maxRetriesPerRequest: 0,
      retryStrategy: (times: number) => Math.min(50 * times, 1_000),
    };
  }

  private client(index: number): Redis {
    let client = this.clients.get(index);
    if (client === undefined) {
      client = new Redis(this.connectionOptions(this.options.sentinels[index] as NodeAddress));
      client.on('error', (error: unknown) => {
        this.lastError = error;
      });
      this.clients.set(index, client);
    }
    return client;
  }

  /** Sends `args` to the sentinels in turn until one answers within `timeoutMs`; the reply must pass `accept`. */
  private async ask<T>(args: string[], accept: (reply: unknown) => T | undefined, signal: AbortSignal | undefined): Promise<T | undefined> {
    const count = this.options.sentinels.length;
    let answered = false;
    for (let step = 0; step < count; step++) {
      if (this.closed) throw new Error('[@pool/redis] the sentinel directory is closed');
      if (signal?.aborted) throw abortError(signal);
      const index = (this.preferred + step) % count;
      let timer: NodeJS.Timeout | undefined;
      try {
        const reply = await Promise.race([
          this.client(index).call(args[0] as string, ...args.slice(1)),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`sentinel ${addressKey(this.options.sentinels[index] as NodeAddress)} did not answer within ${this.options.timeoutMs} ms`)), this.options.timeoutMs);
          }),
        ]);
        answered = true;
        const value = accept(reply);
        if (value !== undefined) {
          this.preferred = index;
          return value;
        }
      } catch (error) {
        this.lastError = error;
      } finally {
        clearTimeout(timer);
      }
    }
    if (!answered) {
      const reason = this.lastError instanceof Error ? this.lastError.message : String(this.lastError);
      throw new RedisTopologyError('REDIS_TOPOLOGY_UNAVAILABLE', `no sentinel of '${this.options.name}' answered (${this.options.sentinels.map(addressKey).join(', ')}): ${reason}`, { cause: this.lastError });
    }
    return undefined;
  }

  /** Where the sentinels say the primary is. */
  async primary(signal?: AbortSignal): Promise<NodeAddress> {
    const found = await this.ask(['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.options.name], (reply) => {
      if (!Array.isArray(reply) || reply.length < 2) return undefined;
      return { host: String(reply[0]), port: Number(reply[1]) };
    }, signal);
    if (found === undefined) throw new RedisTopologyError('REDIS_NO_SERVER', `the sentinels do not know a master named '${this.options.name}'`);
    return found;
  }

  /** Replicas the sentinels see as healthy (not down, link to the primary up), taken in turn. */
  async replica(signal?: AbortSignal): Promise<NodeAddress> {
    const healthy = await this.ask(['SENTINEL', 'REPLICAS', this.options.name], (reply) => {
      if (!Array.isArray(reply)) return undefined;
      const usable = reply.map(fields).filter((replica) => {
        const flags = (replica.flags ?? '').split(',');
        return !flags.some((flag) => flag === 's_down' || flag === 'o_down' || flag === 'disconnected') && replica['master-link-status'] === 'ok';
      });
      return usable.length > 0 ? usable.map((replica) => ({ host: String(replica.ip), port: Number(replica.port) })) : undefined;
    }, signal);
    if (healthy === undefined) throw new RedisTopologyError('REDIS_NO_SERVER', `the sentinels name no healthy replica of '${this.options.name}'`);
    const pick = healthy[this.replicaTurn++ % healthy.length] as NodeAddress;
    return pick;
  }

  /**
   * Subscribes to `+switch-master` and `+promoted-slave` on every sentinel: `onSwitch` gets this
   * master name's new primary (`promoted: true` as soon as a replica answered SLAVEOF NO ONE, before
   * the sentinels switch their own answer), and `onResubscribed` runs when a subscriber connection
   * came back (a switch may have been missed).
   */
  watch(onSwitch: (change: SwitchMaster) => void, onResubscribed: () => void): void {
    if (this.closed || this.subscribers.length > 0) return;
    for (const address of this.options.sentinels) {
      const subscriber = new Redis({ ...this.connectionOptions(address), connectionName: 'pool-sentinel-watch', maxRetriesPerRequest: null });
      let readyBefore = false;
      subscriber.on('error', (error: unknown) => {
        this.lastError = error;
      });
      subscriber.on('ready', () => {
        if (readyBefore) onResubscribed();
        readyBefore = true;
      });
      subscriber.on('message', (channel: string, message: string) => {
        const words = message.split(' ');
        if (channel === '+switch-master') {
          // <name> <old-ip> <old-port> <new-ip> <new-port>
          const [name, fromHost, fromPort, toHost, toPort] = words;
          if (name !== this.options.name) return;
          onSwitch({ from: { host: String(fromHost), port: Number(fromPort) }, to: { host: String(toHost), port: Number(toPort) }, promoted: false });
        } else if (channel === '+promoted-slave') {
          // slave <ip:port> <ip> <port> @ <name> <master-ip> <master-port>
          const [, , toHost, toPort, , name, fromHost, fromPort] = words;
          if (name !== this.options.name) return;
          onSwitch({ from: { host: String(fromHost), port: Number(fromPort) }, to: { host: String(toHost), port: Number(toPort) }, promoted: true });
        }
      });
      subscriber.subscribe('+switch-master', '+promoted-slave').catch((error: unknown) => {
        this.lastError = error;
      });
      this.subscribers.push(subscriber);
    }
  }

  /** Closes every sentinel connection. Idempotent. */
  close(): void {
    this.closed = true;
    for (const client of this.clients.values()) closeNow(client);
    for (const subscriber of this.subscribers) closeNow(subscriber);
    this.clients.clear();
    this.subscribers.length = 0;
  }
}
