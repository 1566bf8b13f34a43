import { describeValue, numberOption, PoolOptionError } from '@pool/core';
import type { ChainableCommander, Redis, RedisKey } from 'ioredis';

/** What EXEC returned: one `[error, reply]` per queued command. */
export type ExecResult = [error: Error | null, result: unknown][];

/** The body of a transaction: read with `client`, queue writes on `multi`. */
export type TransactionBody = (multi: ChainableCommander, client: Redis) => void | Promise<void>;

/** `watch` and `retries` of a transaction's options, checked (POOL_INVALID_OPTION), for the pool and the cluster pool alike. */
export function readTransactionOptions(options: unknown): { watch: RedisKey[]; retries: number } {
  if (typeof options !== 'object' || options === null) throw new PoolOptionError('options', `[@pool/redis] expected transaction options to be an object, got ${describeValue(options)}`);
  const { watch, retries } = options as { watch?: unknown; retries?: unknown };
  if (watch !== undefined && !Array.isArray(watch)) throw new PoolOptionError('watch', `[@pool/redis] expected \`watch\` to be an array of keys, got ${describeValue(watch)}`);
  return { watch: (watch ?? []) as RedisKey[], retries: numberOption(retries, 'retries', 0, { minimum: 0, integer: true }) };
}

/** WATCH, `fn`, EXEC on one connection; again after a WATCH conflict (EXEC null) while `retries` last. */
export async function watchedTransaction(client: Redis, watch: RedisKey[], retries: number, fn: TransactionBody): Promise<ExecResult | null> {
  for (let attempt = 0; ; attempt++) {
    if (watch.length > 0) await client.watch(...watch);
    const multi = client.multi();
    await fn(multi, client);
    const results = (await multi.exec()) as ExecResult | null;
    if (results !== null || attempt >= retries) return results;
  }
}
