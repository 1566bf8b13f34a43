import { describe, expect, it } from 'vitest';
import { parseDuration } from '../src/cli/duration.js';
import { parseCli, type DemoOptions } from '../src/cli/options.js';

const defaults = { outDir: '/tmp/out', isTty: true };

function options(argv: string[], env: NodeJS.ProcessEnv = {}): DemoOptions {
  const parsed = parseCli(argv, env, defaults);
  if (parsed.help) throw new Error('unexpected --help');
  return parsed.options;
}

function badFlag(argv: string[], env: NodeJS.ProcessEnv = {}): string {
  try {
    parseCli(argv, env, defaults);
  } catch (error) {
    expect(error).toMatchObject({ code: 'DEMO_BAD_FLAG' });
    return (error as Error).message;
  }
  throw new Error(`expected ${argv.join(' ')} to be refused`);
}

describe('demo flags', () => {
  it('defaults: every pool, 6 s, fault on tcp, PGlite, live view on a TTY', () => {
    const o = options([]);
    expect(o).toMatchObject({ durationMs: 6_000, only: ['pg', 'mysql', 'redis', 'tcp', 'ws', 'http'], fault: 'tcp', faultMs: 1_000, pgUrl: undefined, metricsPort: 9464, outDir: '/tmp/out', live: true });
    expect(o.explicit).toEqual({ pg: false, mysql: false, redis: false });
    expect(options(['--plain']).live).toBe(false);
    expect(parseCli(['-h'], {}, defaults)).toEqual({ help: true });
  });

  it('reads durations, --only/--skip, URLs from flags and environment', () => {
    const o = options(['--duration', '3s', '--only', 'pg,ws,tcp', '--skip', 'ws', '--pg-url', 'postgres://u:p@127.0.0.1:5433/db'], { POOL_REDIS_URL: 'redis://127.0.0.1:6380' });
    expect(o.durationMs).toBe(3_000);
    expect(o.only).toEqual(['pg', 'tcp']);
    expect(o.pgUrl).toBe('postgres://u:p@127.0.0.1:5433/db');
    expect(o.redisUrl).toBe('redis://127.0.0.1:6380');
    expect(o.explicit).toEqual({ pg: true, mysql: false, redis: true });
    expect(o.faultMs).toBe(750); // a short run: the outage is at most a quarter of it
    expect(options([], { POOL_PG_URL: '' }).pgUrl).toBeUndefined();
  });

  it('turns the fault off when its pool is not selected, or on --fault none', () => {
    expect(options(['--only', 'pg']).fault).toBeUndefined();
    expect(options(['--fault', 'none']).fault).toBeUndefined();
    expect(options(['--fault', 'http']).fault).toBe('http');
  });

  it('refuses bad flags with a message naming the problem', () => {
    expect(badFlag(['--bogus'])).toContain("Unknown option '--bogus'");
    expect(badFlag(['--only', 'pg,oracle'])).toContain('unknown pool "oracle"');
    expect(badFlag(['--duration', '0.5s'])).toContain('--duration must be between 1s and 10m');
    expect(badFlag(['--duration', 'soon'])).toContain('"soon"');
    expect(badFlag(['--only', 'pg', '--skip', 'pg'])).toContain('no pool to run');
    expect(badFlag(['--only', 'pg', '--fault', 'tcp'])).toContain('not part of this run');
    expect(badFlag(['--fault-ms', '50'])).toContain('--fault-ms');
    expect(badFlag(['--metrics-port', '70000'])).toContain('--metrics-port');
    expect(badFlag(['--redis-url', 'http://127.0.0.1'])).toContain('redis: or rediss:');
    expect(badFlag(['positional'])).toContain('--help');
  });

  it('never echoes a URL it cannot parse (it may hold a password)', () => {
    const message = badFlag(['--pg-url', 'postgres://user:hunter2@[bad']);
    expect(message).not.toContain('hunter2');
  });

  it('parses durations', () => {
    expect(parseDuration('8')).toBe(8_000);
    expect(parseDuration('2.5s')).toBe(2_500);
    expect(parseDuration('3000ms')).toBe(3_000);
    expect(parseDuration('1m')).toBe(60_000);
    expect(parseDuration('-1s')).toBeUndefined();
    expect(parseDuration('1h')).toBeUndefined();
  });
});
