import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { getEventListeners } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { linkSignals } from '../adapter-kit/index.js';

const kit = fileURLToPath(new URL('../dist/adapter-kit/index.js', import.meta.url));

describe('linkSignals: AbortSignal.any([a, b]) for calls that carry a long-lived signal', () => {
  it('aborts with the reason of the first signal that aborts, at once if one already has', () => {
    const [a, b] = [new AbortController(), new AbortController()];
    const linked = linkSignals(a.signal, b.signal);
    expect(linked.signal.aborted).toBe(false);
    b.abort(new Error('host down'));
    a.abort(new Error('later'));
    expect(linked.signal.reason).toEqual(new Error('host down'));
    const done = new AbortController();
    done.abort('shutdown');
    expect(linkSignals(done.signal, new AbortController().signal).signal.reason).toBe('shutdown');
    expect(linkSignals(new AbortController().signal, done.signal).signal.reason).toBe('shutdown');
  });

  it('release() takes its watch off both: 1,000 calls on one shutdown signal leave it one listener, then none, and a later abort reaches no released call', () => {
    const shutdown = new AbortController();
    const calls = Array.from({ length: 1_000 }, () => linkSignals(shutdown.signal, new AbortController().signal));
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(1);
    for (const call of calls) call.release();
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(0);
    shutdown.abort();
    expect(calls.some((call) => call.signal.aborted)).toBe(false);
  });

  it('100,000 calls over one long-lived signal, each with a listener on its linked signal, keep next to nothing, where AbortSignal.any on Node 20 keeps ~1 KB each', () => {
    expect(existsSync(kit), `build @pool/core first: ${kit} is missing`).toBe(true);
    const script = (link: string) => `
      import { linkSignals } from ${JSON.stringify(kit)};
      const shared = new AbortController().signal;
      gc();
      const before = process.memoryUsage().heapUsed;
      for (let i = 0; i < 100_000; i++) {
        const own = new AbortController();
        ${link}
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
      gc();
      console.log(Math.round((process.memoryUsage().heapUsed - before) / 1e6));
    `;
    const grownMb = (link: string): number => {
      const child = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script(link)], { encoding: 'utf8', timeout: 60_000 });
      expect(child.stderr).toBe('');
      return Number(child.stdout.trim());
    };
    // a pool's waiter listens on the signal it was given while it waits
    expect(grownMb('const linked = linkSignals(shared, own.signal); linked.signal.addEventListener("abort", () => {}); linked.release();')).toBeLessThan(5);
    // the reason for linkSignals, kept as a check: if a Node release fixes AbortSignal.any, this says so
    if (process.versions.node.startsWith('20.')) expect(grownMb('AbortSignal.any([shared, own.signal]).addEventListener("abort", () => {});')).toBeGreaterThan(50);
  });
});
