import { requireService } from '@pool/testkit';
import { ReplyError, type Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createRedisPool } from '../src/index.js';
import { redisUrl, suiteAdmin, uniquePrefix } from './helpers.js';

const svc = await requireService('redis');

const echo = { numberOfKeys: 1, lua: 'return {KEYS[1], ARGV[1]}' };
type WithEcho = Redis & { poolEcho(key: string, value: string): Promise<[string, string]> };

// Lua the way ioredis users write it: `defineCommand` (EVALSHA, EVAL on NOSCRIPT) and raw EVALSHA.
describe.skipIf(!svc.available)('Lua scripts on pooled connections', () => {
  const prefix = uniquePrefix('scripts');
  const admin = suiteAdmin(prefix);

  it('redisOptions.scripts defines the command on every connection, also in pipelines and MULTI', async () => {
    const pool = createRedisPool({ url: redisUrl(), redisOptions: { scripts: { poolEcho: echo } }, pool: { max: 3 } });
    try {
      // three connections at once: each has the command
      const replies = await Promise.all([1, 2, 3].map((n) => pool.withConnection(async (client) => {
        const reply = await (client as WithEcho).poolEcho(`${prefix}k`, `v${n}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
        return reply;
      })));
      expect(replies).toEqual([1, 2, 3].map((n) => [`${prefix}k`, `v${n}`]));
      expect(pool.stats().size).toBe(3);
      const piped = await pool.withConnection((client) => (client.pipeline() as unknown as { poolEcho(k: string, v: string): { exec(): Promise<unknown> } }).poolEcho(`${prefix}k`, 'p').exec());
      expect(piped).toEqual([[null, [`${prefix}k`, 'p']]]);
      const inTx = await pool.transaction((multi) => void (multi as unknown as { poolEcho(k: string, v: string): void }).poolEcho(`${prefix}k`, 't'));
      expect(inTx).toEqual([[null, [`${prefix}k`, 't']]]);
    } finally {
      await pool.end();
    }
  });

  it('defineCommand inside withConnection defines it on that one connection only (as on one ioredis client): the next borrower may not have it', async () => {
    const pool = createRedisPool({ url: redisUrl(), pool: { max: 2 } });
    try {
      let letGo: () => void = () => undefined;
      const held = new Promise<void>((resolve) => {
        letGo = resolve;
      });
      let defined!: () => void;
      const isDefined = new Promise<void>((resolve) => {
        defined = resolve;
      });
      // borrower A defines the command and keeps its connection
      const first = pool.withConnection(async (client) => {
        client.defineCommand('poolEcho', echo);
        defined();
        await held;
        return (client as WithEcho).poolEcho(`${prefix}k`, 'a');
      });
      await isDefined;
      // borrower B gets the other connection: no such command there
      expect(await pool.withConnection((client) => typeof (client as unknown as { poolEcho?: unknown }).poolEcho)).toBe('undefined');
      letGo();
      expect(await first).toEqual([`${prefix}k`, 'a']);
    } finally {
      await pool.end();
    }
  });

  it("EVALSHA of a script another borrower loaded works after every reset policy (the server's script cache is not per connection); NOSCRIPT is ioredis's ReplyError", async () => {
    for (const reset of ['tracked', 'always', 'command'] as const) {
      const pool = createRedisPool({ url: redisUrl(), reset, pool: { max: 1 } });
      try {
        const sha = await pool.withConnection((client) => client.script('LOAD', `return '${reset}'`) as Promise<string>);
        expect(await pool.withConnection((client) => client.evalsha(sha, 0))).toBe(reset);
        expect(await pool.call('EVALSHA', [sha, 0])).toBe(reset);
        const error = await pool.withConnection((client) => client.evalsha('0'.repeat(40), 0)).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(ReplyError);
        expect(error).toMatchObject({ code: 'NOSCRIPT' });
        // a script error reply leaves the connection in sync: it is kept
        expect(pool.stats().totals.destroyed).toBe(0);
      } finally {
        await pool.end();
      }
    }
  });
});
