import type { Redis, RedisKey } from 'ioredis';

/**
 * How the ready-made calls (`blmove`, `xread` and their `*Buffer` forms, for the pool and the
 * cluster pool) send their command: with ioredis's own method (`client.blmove`, `client.xreadBuffer`),
 * as the same code on a plain client does, so the reply is decoded the same way and an error names
 * the command as ioredis does (`err.command.name` is `'blmove'`; `client.call('BLMOVE', ...)`, which
 * they used before, named it `'BLMOVE'`).
 */

/** `XREAD` reply: per stream, its entries as `[id, [field, value, ...]]`. */
export type XReadResult = [key: string, entries: [id: string, fields: string[]][]][];

/** `XREAD` reply of `xreadBuffer`: the same, every string a Buffer (bytes kept as the server sent them). */
export type XReadBufferResult = [key: Buffer, entries: [id: Buffer, fields: Buffer[]][]][];

/** What `xread` reads: each stream key mapped to the last id seen (`'$'` for only new entries). */
export type XReadStreams = Record<string, string> | [key: RedisKey, id: string][];

type Arg = string | Buffer | number;
// ioredis types blmove and xread with one overload per literal ('LEFT'/'RIGHT', 'COUNT'/'BLOCK'):
// a call with the union or a built argument list needs the plain variadic form
type Variadic = (...args: Arg[]) => Promise<unknown>;
type Methods = Record<'blmove' | 'blmoveBuffer' | 'xread' | 'xreadBuffer', Variadic>;

/** `[key, id]` pairs of `streams`, in order. */
export function streamPairs(streams: XReadStreams): [key: RedisKey, id: string][] {
  return Array.isArray(streams) ? streams : Object.entries(streams ?? {});
}

/** `[COUNT count] BLOCK blockMs STREAMS key... id...`. */
export function xreadArgs(pairs: [key: RedisKey, id: string][], read: { blockMs: number; count?: number }): Arg[] {
  const args: Arg[] = read.count !== undefined ? ['COUNT', read.count] : [];
  args.push('BLOCK', read.blockMs, 'STREAMS', ...pairs.map(([key]) => key), ...pairs.map(([, id]) => id));
  return args;
}

/** `XREAD args` with `client.xread` (or `client.xreadBuffer`). */
export function sendXread(client: Redis, args: Arg[], buffers: boolean): Promise<unknown> {
  const methods = client as unknown as Methods;
  return buffers ? methods.xreadBuffer(...args) : methods.xread(...args);
}

/** `BLMOVE source destination from to timeout` with `client.blmove` (or `client.blmoveBuffer`). */
export function sendBlmove(client: Redis, args: [source: RedisKey, destination: RedisKey, from: 'LEFT' | 'RIGHT', to: 'LEFT' | 'RIGHT', timeoutSeconds: number], buffers: boolean): Promise<unknown> {
  const methods = client as unknown as Methods;
  return buffers ? methods.blmoveBuffer(...args) : methods.blmove(...args);
}
