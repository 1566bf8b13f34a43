import { once } from 'node:events';
import diagnostics from 'node:diagnostics_channel';
import { requireService } from '@pool/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisPool, isPoolError, type RedisPool } from '../src/index.js';
import { deletePrefix, redisUrl, uniquePrefix } from './helpers.js';

// the shared server: unreachable skips loudly locally and fails with CI=true
const svc = await requireService('redis');

/** The db of this file's pools and plain clients, and the one their borrowers SELECT: no other test uses them. */
const DB = 12;
const OTHER_DB = 13;

/** Bytes that are not valid UTF-8 (a lone 0xff, a truncated sequence, a stray continuation byte, a NUL). */
const BINARY = Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28, 0x80, 0x41, 0xe2, 0x82]);

/** What a caller sees of an error, but for the `code` the pool adds: class, message, and ioredis's `command`. */
function shape(error: unknown): { class: string; message: string; command: unknown } {
  if (!(error instanceof Error)) throw new Error(`expected an error, got ${String(error)}`);
  return { class: error.constructor.name, message: error.message, command: (error as { command?: unknown }).command };
}

/** The error a call rejects with (a call that resolves fails the test). */
function rejection(call: Promise<unknown>): Promise<unknown> {
  return call.then((value) => {
    throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
  }, (error: unknown) => error);
}

describe.skipIf(!svc.available)('side by side with a plain ioredis client', () => {
  const prefix = uniquePrefix('parity');
  let plain: Redis;
  let pool: RedisPool;

  beforeAll(() => {
    plain = new Redis(redisUrl(), { db: DB, maxRetriesPerRequest: 1 });
    pool = createRedisPool({ url: redisUrl(), db: DB, pool: { max: 1 } });
  });
  afterAll(async () => {
    await pool.end();
    await deletePrefix(plain, prefix);
    plain.disconnect();
  });

  describe('Buffer replies', () => {
    it('callBuffer returns the bytes the server holds, as ioredis callBuffer does; call decodes them as ioredis call does', async () => {
      const key = `${prefix}bin`;
      const hash = `${prefix}hash`;
      const list = `${prefix}list`;
      await plain.set(key, BINARY);
      await plain.hset(hash, BINARY, BINARY);
      await plain.rpush(list, BINARY, 'text');

      const bytes = await pool.callBuffer('GET', [key]);
      expect(Buffer.isBuffer(bytes)).toBe(true);
      expect(bytes).toEqual(BINARY);
      expect(bytes).toEqual(await plain.callBuffer('GET', key));
      // a binary key, too
      const binaryKey = Buffer.concat([Buffer.from(prefix), BINARY]);
      await plain.set(binaryKey, BINARY);
      await expect(pool.callBuffer('GET', [binaryKey])).resolves.toEqual(BINARY);
      await plain.del(binaryKey); // the suite's clean-up reads key names as strings: it would miss this one

      for (const [command, args] of [['HGETALL', [hash]], ['LRANGE', [list, 0, -1]], ['GET', [key]], ['HGET', [hash, BINARY]]] as const) {
        const mine = await pool.callBuffer(command, [...args]);
        expect(mine, command).toEqual(await plain.callBuffer(command, ...args));
        // the string form loses the bytes (U+FFFD), exactly as ioredis's call does
        expect(await pool.call(command, [...args]), command).toEqual(await plain.call(command, ...args));
      }
      expect(await pool.call('GET', [key])).not.toEqual(BINARY.toString('latin1'));
    });

    it('blpopBuffer, brpopBuffer, blmoveBuffer and xreadBuffer return Buffers as the ioredis methods of the same names do', async () => {
      const list = `${prefix}blist`;
      const target = `${prefix}btarget`;
      const stream = `${prefix}bstream`;
      await plain.rpush(list, BINARY, BINARY, BINARY, BINARY, BINARY, BINARY, BINARY);
      expect(await pool.blpopBuffer(list, 1)).toEqual(await plain.blpopBuffer(list, 1));
      expect(await pool.brpopBuffer([list], 1)).toEqual(await plain.brpopBuffer(list, 1));
      const moved = await pool.blmoveBuffer(list, target, 'LEFT', 'RIGHT', 1);
      expect(moved).toEqual(await plain.blmoveBuffer(list, target, 'LEFT', 'RIGHT', 1));
      expect(moved).toEqual(BINARY);
      expect(await pool.blpopBuffer(list, 1)).toEqual([Buffer.from(list), BINARY]);

      await plain.xadd(stream, '*', BINARY, BINARY);
      const read = await pool.xreadBuffer({ [stream]: '0' }, { blockMs: 10, count: 1 });
      expect(read).toEqual(await plain.xreadBuffer('COUNT', 1, 'BLOCK', 10, 'STREAMS', stream, '0'));
      expect(read?.[0]?.[1][0]?.[1]).toEqual([BINARY, BINARY]);
      // nothing new: null, as on the plain client
      const last = (read?.[0]?.[1][0]?.[0] as Buffer).toString();
      expect(await pool.xreadBuffer([[stream, last]], { blockMs: 10 })).toBe(await plain.xreadBuffer('BLOCK', 10, 'STREAMS', stream, last));
    });

    it("callBuffer of a blocking command gets the command's own block plus queryTimeoutMs, as call does", async () => {
      // a 1 s block and a 400 ms margin: cut at the margin alone, it would fail with POOL_TIMEOUT
      const empty = `${prefix}empty`;
      const [mine, theirs] = await Promise.all([pool.callBuffer('BLPOP', [empty, 1], { queryTimeoutMs: 400 }), plain.callBuffer('BLPOP', empty, 1)]);
      expect(mine).toBeNull();
      expect(theirs).toBeNull();
    });
  });

  describe("errors carry ioredis's own `command`", () => {
    it('for a wrong type, blpop, brpop, blmove, xread (and their Buffer forms), EVALSHA NOSCRIPT and call() in either case', async () => {
      const list = `${prefix}elist`;
      const text = `${prefix}etext`;
      const sha = 'f'.repeat(40);
      await plain.rpush(list, 'a');
      await plain.set(text, 'x');
      const cases: [string, Promise<unknown>, Promise<unknown>][] = [
        ['get of a list', rejection(plain.get(list)), rejection(pool.withConnection((client) => client.get(list)))],
        ["call('get')", rejection(plain.call('get', list)), rejection(pool.call('get', [list]))],
        ["call('GET')", rejection(plain.call('GET', list)), rejection(pool.call('GET', [list]))],
        ["callBuffer('Get')", rejection(plain.callBuffer('Get', list)), rejection(pool.callBuffer('Get', [list]))],
        ['blpop', rejection(plain.blpop(text, 1)), rejection(pool.blpop(text, 1))],
        ['brpop', rejection(plain.brpop(text, 1)), rejection(pool.brpop(text, 1))],
        ['blpopBuffer', rejection(plain.blpopBuffer(text, 1)), rejection(pool.blpopBuffer(text, 1))],
        ['blmove', rejection(plain.blmove(text, list, 'LEFT', 'RIGHT', 1)), rejection(pool.blmove(text, list, 'LEFT', 'RIGHT', 1))],
        ['blmoveBuffer', rejection(plain.blmoveBuffer(text, list, 'RIGHT', 'LEFT', 1)), rejection(pool.blmoveBuffer(text, list, 'RIGHT', 'LEFT', 1))],
        ['xread', rejection(plain.xread('BLOCK', 10, 'STREAMS', text, '0')), rejection(pool.xread({ [text]: '0' }, { blockMs: 10 }))],
        ['xread COUNT', rejection(plain.xread('COUNT', 2, 'BLOCK', 10, 'STREAMS', text, '0')), rejection(pool.xread([[text, '0']], { blockMs: 10, count: 2 }))],
        ['xreadBuffer', rejection(plain.xreadBuffer('BLOCK', 10, 'STREAMS', text, '0')), rejection(pool.xreadBuffer({ [text]: '0' }, { blockMs: 10 }))],
        ['evalsha', rejection(plain.evalsha(sha, 0)), rejection(pool.withConnection((client) => client.evalsha(sha, 0)))],
        ["call('EVALSHA')", rejection(plain.call('EVALSHA', sha, 0)), rejection(pool.call('EVALSHA', [sha, 0]))],
      ];
      for (const [label, fromPlain, fromPool] of cases) {
        const [expected, actual] = [shape(await fromPlain), shape(await fromPool)];
        expect(actual, label).toEqual(expected);
        expect(expected.command, label).toBeDefined();
      }
    });

    it('for a command of defineCommand / redisOptions.scripts (EVAL on its first run, EVALSHA after) and for a transaction', async () => {
      const failing = { numberOfKeys: 1, lua: "return redis.error_reply('POOLFAIL ' .. KEYS[1])" };
      type WithFailing = Redis & { poolFail(key: string): Promise<unknown> };
      const reference = new Redis(redisUrl(), { db: DB, scripts: { poolFail: failing } }) as WithFailing;
      const scripted = createRedisPool({ url: redisUrl(), db: DB, redisOptions: { scripts: { poolFail: failing } }, pool: { max: 1 } });
      const text = `${prefix}ttext`;
      try {
        for (const run of ['first', 'second']) {
          const expected = shape(await rejection(reference.poolFail(text)));
          expect(shape(await rejection(scripted.withConnection((client) => (client as WithFailing).poolFail(text)))), run).toEqual(expected);
          // defined on the connection by the borrower, as on the plain client
          const name = `poolFail${run}`;
          reference.defineCommand(name, failing);
          const expectedDefined = shape(await rejection((reference as unknown as Record<string, (key: string) => Promise<unknown>>)[name]?.(text) as Promise<unknown>));
          const defined = await rejection(pool.withConnection((client) => {
            client.defineCommand(name, failing);
            return (client as unknown as Record<string, (key: string) => Promise<unknown>>)[name]?.(text);
          }));
          expect(shape(defined), run).toEqual(expectedDefined);
        }
        await plain.set(text, 'x');
        // EXEC's per-command errors, and EXECABORT with the errors of the queued commands
        const [[error]] = (await pool.transaction((multi) => void multi.incr(text))) as [[Error, unknown]];
        const [[plainError]] = (await plain.multi().incr(text).exec()) as [[Error, unknown]];
        expect(shape(error)).toEqual(shape(plainError));
        const aborted = await rejection(pool.transaction((multi) => void multi.call('SET', text)));
        const plainAborted = await rejection(plain.multi().call('SET', text).exec());
        expect(shape(aborted)).toEqual(shape(plainAborted));
        const previous = (error: unknown) => (error as { previousErrors?: unknown[] }).previousErrors?.map(shape);
        expect(previous(aborted)).toEqual(previous(plainAborted));
      } finally {
        reference.disconnect();
        await scripted.end();
      }
    });
  });

  describe("a later borrower's view of the db after an earlier borrower's SELECT", () => {
    // The plain client a borrower would otherwise have: it went to OTHER_DB and back to DB, as the
    // pool's reset takes the connection back to DB on release.
    async function plainAfterSelectBack(): Promise<Redis> {
      const client = new Redis(redisUrl(), { db: DB, maxRetriesPerRequest: 1 });
      await client.select(OTHER_DB);
      await client.select(DB);
      return client;
    }

    async function earlierBorrowerSelects(): Promise<void> {
      await pool.withConnection((client) => client.select(OTHER_DB));
    }

    it("`condition.select` names the db it is in, `options.db` the configured one, and its 'select' listener hears each SELECT, as on a plain client", async () => {
      const reference = await plainAfterSelectBack();
      const heard: number[] = [];
      const expected = { condition: reference.condition?.select, optionsDb: reference.options.db, heard };
      reference.on('select', (db: number) => heard.push(db));
      await reference.select(OTHER_DB);
      await reference.select(DB);
      reference.disconnect();
      expect(expected).toEqual({ condition: DB, optionsDb: DB, heard: [OTHER_DB, DB] });

      await earlierBorrowerSelects();
      const seen = await pool.withConnection(async (client) => {
        const events: number[] = [];
        const view = { condition: client.condition?.select, optionsDb: client.options.db, heard: events };
        client.on('select', (db: number) => events.push(db));
        await client.select(OTHER_DB);
        await client.select(DB);
        return view;
      });
      expect(seen).toEqual(expected);
    });

    it("ioredis's own command traces (ioredis:command) name the db the later borrower's commands run in", async () => {
      const key = `${prefix}traced`;
      const databases: unknown[] = [];
      const channel = diagnostics.tracingChannel<unknown, { command?: string; args?: string[]; database?: unknown }>('ioredis:command');
      const handlers = {
        start: (context: { command?: string; args?: string[]; database?: unknown }) => {
          if (context.command === 'get' && context.args?.[0] === key) databases.push(context.database);
        },
        end: () => undefined, asyncStart: () => undefined, asyncEnd: () => undefined, error: () => undefined,
      };
      channel.subscribe(handlers);
      try {
        const reference = await plainAfterSelectBack();
        await reference.get(key);
        reference.disconnect();
        await earlierBorrowerSelects();
        await pool.withConnection((client) => client.get(key));
      } finally {
        channel.unsubscribe(handlers);
      }
      expect(databases).toEqual([DB, DB]);
    });

    it('a later borrower that reconnects its connection (disconnect, then connect) is in the configured db, as a plain client is', async () => {
      const key = `${prefix}afterReconnect`;
      await plain.set(key, `in db ${DB}`);
      const reconnectAndRead = async (client: Redis) => {
        const ended = once(client, 'end');
        client.disconnect();
        await ended;
        await client.connect();
        const info = (await client.client('INFO')) as string;
        return { db: /\bdb=(\d+)/.exec(info)?.[1], value: await client.get(key) };
      };
      const reference = await plainAfterSelectBack();
      const expected = await reconnectAndRead(reference);
      reference.disconnect();
      expect(expected).toEqual({ db: String(DB), value: `in db ${DB}` });

      await earlierBorrowerSelects();
      expect(await pool.withConnection(reconnectAndRead)).toEqual(expected);
    });
  });

  describe("everyday ioredis calls, the pool's way (README: From a plain ioredis client)", () => {
    /** Each `[error, reply]` with the error as its class, message and command. */
    const replies = (results: [Error | null, unknown][] | null) => results?.map(([error, reply]) => [error === null ? null : shape(error), reply]) ?? null;

    it('pipeline() inside withConnection and transaction() give the results of a plain pipeline() and multi().exec()', async () => {
      const key = `${prefix}everyday`;
      const [mine, theirs] = [`${key}:pool`, `${key}:plain`];
      const piped = await pool.withConnection((client) => client.pipeline().set(mine, 'y').get(mine).incr(mine).exec());
      const plainPiped = await plain.pipeline().set(theirs, 'y').get(theirs).incr(theirs).exec();
      // the same but for the key each names
      expect(JSON.stringify(replies(piped)).replaceAll(mine, theirs)).toBe(JSON.stringify(replies(plainPiped)));

      const inTx = await pool.transaction((multi) => void multi.set(mine, 'y').get(mine).incr(mine));
      const plainTx = await plain.multi().set(theirs, 'y').get(theirs).incr(theirs).exec();
      expect(JSON.stringify(replies(inTx)).replaceAll(mine, theirs)).toBe(JSON.stringify(replies(plainTx)));

      // a WATCH conflict: null from both
      const conflicted = await pool.transaction(async (multi) => {
        await plain.set(mine, 'changed');
        multi.set(mine, 'mine');
      }, { watch: [mine] });
      await plain.watch(theirs);
      await pool.call('SET', [theirs, 'changed']);
      const plainConflicted = await plain.multi().set(theirs, 'mine').exec();
      expect(conflicted).toBeNull();
      expect(plainConflicted).toBeNull();
    });

    it('scanStream consumed inside withConnection yields what a plain scanStream yields', async () => {
      const match = `${prefix}scan:*`;
      await plain.mset(Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`${prefix}scan:${i}`, String(i)])));
      const collect = async (client: Redis) => {
        const keys: string[] = [];
        for await (const batch of client.scanStream({ match, count: 7 })) keys.push(...(batch as string[]));
        return keys.sort();
      };
      const mine = await pool.withConnection(collect);
      expect(mine).toHaveLength(40);
      expect(mine).toEqual(await collect(plain));
    });

    it("a borrowed client is an ioredis client: status, 'ready' listeners, connect() and quit() as on a plain one; a command after disconnect() fails at once", async () => {
      const quitting = new Redis(redisUrl(), { db: DB });
      await once(quitting, 'ready');
      const borrowed = async (client: Redis) => {
        let readyHeard = false;
        client.on('ready', () => {
          readyHeard = true;
        });
        const status = client.status;
        const connectError = await rejection(client.connect());
        const quit = await client.quit();
        const afterQuit = await rejection(client.get(`${prefix}x`));
        return { status, readyHeard, connect: (connectError as Error).message, quit, afterQuit: (afterQuit as Error).message };
      };
      const expected = await borrowed(quitting);
      expect(expected).toEqual({ status: 'ready', readyHeard: false, connect: 'Redis is already connecting/connected', quit: 'OK', afterQuit: 'Connection is closed.' });
      const destroyedBefore = pool.stats().totals.destroyed;
      expect(await pool.withConnection(borrowed)).toEqual(expected);
      // the connection that quit is replaced, never lent again
      expect(pool.stats().totals.destroyed).toBe(destroyedBefore + 1);
      await expect(pool.call('PING')).resolves.toBe('PONG');

      // the documented difference: no offline queue, so no wait for the socket to close
      const disconnecting = new Redis(redisUrl(), { db: DB });
      await once(disconnecting, 'ready');
      const afterDisconnect = (client: Redis) => {
        client.disconnect();
        return client.get(`${prefix}x`);
      };
      expect(await rejection(afterDisconnect(disconnecting))).toMatchObject({ message: 'Connection is closed.' });
      expect(await rejection(pool.withConnection(afterDisconnect))).toMatchObject({ message: "Stream isn't writeable and enableOfflineQueue options is false", code: 'POOL_CONNECTION_LOST' });
    });

    it("pool.on('error') hears what fails away from any caller, as redis.on('error') does; an ioredis client event ('ready', 'end', ...) is refused naming the pool's", async () => {
      const refused = createRedisPool({ host: '127.0.0.1', port: 1, pool: { min: 1 } });
      const plainRefused = new Redis({ host: '127.0.0.1', port: 1, lazyConnect: true, retryStrategy: () => null });
      try {
        const heard = new Promise<unknown>((resolve) => refused.on('error', resolve));
        const plainHeard = new Promise<unknown>((resolve) => plainRefused.on('error', resolve));
        await plainRefused.connect().catch(() => undefined);
        const [error, plainError] = await Promise.all([heard, plainHeard]);
        expect(plainError).toMatchObject({ code: 'ECONNREFUSED' });
        expect(isPoolError(error, 'POOL_CREATE_FAILED')).toBe(true);
        expect((error as Error).message).toContain('ECONNREFUSED');
        for (const event of ['ready', 'end', 'connect', 'close', 'reconnecting', 'nonsense']) {
          let thrown: unknown;
          try {
            refused.on(event as 'error', () => undefined);
          } catch (caught) {
            thrown = caught;
          }
          expect(isPoolError(thrown, 'POOL_INVALID_OPTION'), event).toBe(true);
          expect((thrown as { option?: string }).option).toBe('event');
          expect((thrown as Error).message).toContain(`"${event}"`);
          if (event !== 'nonsense') expect((thrown as Error).message).toContain("'create' is a connection made and ready");
        }
        // on/off are the core pool's
        const created: unknown[] = [];
        const onCreate = (event: unknown) => created.push(event);
        pool.on('create', onCreate).off('create', onCreate);
        pool.pool.evictAll();
        await pool.call('PING');
        expect(created).toEqual([]);
        pool.on('create', onCreate);
        pool.pool.evictAll();
        await pool.call('PING');
        pool.off('create', onCreate);
        expect(created).toHaveLength(1);
      } finally {
        plainRefused.disconnect();
        await refused.end();
      }
    });
  });
});
