import { describe, expect, it } from 'vitest';
import { raceWatched, type WatchedCall } from '../adapter-kit/index.js';

/** A fake watchdog entry: records `done`, and lets the test cut the call. */
function fakeWatch(): { watch: (fail: (error: Error) => void) => WatchedCall; cut: (error: Error) => void; answered: (boolean | undefined)[] } {
  const answered: (boolean | undefined)[] = [];
  let fail: ((error: Error) => void) | undefined;
  return {
    watch: (f) => {
      fail = f;
      return { done: (a) => answered.push(a) };
    },
    cut: (error) => fail?.(error),
    answered,
  };
}

describe('raceWatched: a whole unit of work watched as one call', () => {
  it('settles as the work does; a result or an error the server sent counts as a reply, a client-side error does not', async () => {
    const ok = fakeWatch();
    await expect(raceWatched(ok.watch, Promise.resolve(7), () => undefined, () => false)).resolves.toBe(7);
    expect(ok.answered).toEqual([true]);
    const reply = fakeWatch();
    const serverError = Object.assign(new Error('deadlock'), { errno: 1213 });
    await expect(raceWatched(reply.watch, Promise.reject(serverError), () => undefined, (e) => (e as { errno?: unknown }).errno !== undefined)).rejects.toBe(serverError);
    expect(reply.answered).toEqual([true]);
    const local = fakeWatch();
    await expect(raceWatched(local.watch, Promise.reject(new Error('socket closed')), () => undefined, (e) => (e as { errno?: unknown }).errno !== undefined)).rejects.toThrow('socket closed');
    expect(local.answered).toEqual([false]);
  });

  it('a cut (silent server) runs onCut and rejects at once with its error; the work failing later is nobody\'s unhandled rejection', async () => {
    const w = fakeWatch();
    let rejectWork!: (error: Error) => void;
    const work = new Promise<number>((_, reject) => (rejectWork = reject));
    const cutWith: Error[] = [];
    const raced = raceWatched(w.watch, work, (error) => cutWith.push(error), () => false);
    const unresponsive = Object.assign(new Error('server did not answer'), { code: 'POOL_SERVER_UNRESPONSIVE' });
    w.cut(unresponsive);
    await expect(raced).rejects.toBe(unresponsive);
    expect(cutWith).toEqual([unresponsive]);
    expect(w.answered).toEqual([false]);
    rejectWork(new Error('connection destroyed'));
    await new Promise((resolve) => setTimeout(resolve, 0));
  });
});
