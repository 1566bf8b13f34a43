import { EventEmitter } from 'node:events';

/**
 * A stand-in for `pg.Client` so pg-pool runs without a server: `connect`, `query` and `end` answer
 * on the next tick, it never emits 'error', and it carries the two private flags pg-pool reads on
 * release (`_queryable`, `_ending`).
 */
export class FakePgClient extends EventEmitter {
  _queryable = true;
  _ending = false;

  connect(callback?: (error?: Error) => void): Promise<void> | undefined {
    if (callback === undefined) return Promise.resolve();
    process.nextTick(callback);
    return undefined;
  }

  query(_text: unknown, _values?: unknown, callback?: (error: Error | undefined, result: { rows: unknown[] }) => void): Promise<{ rows: unknown[] }> | undefined {
    const result = { rows: [] };
    const done = typeof _values === 'function' ? (_values as typeof callback) : callback;
    if (done === undefined) return Promise.resolve(result);
    process.nextTick(done, undefined, result);
    return undefined;
  }

  end(callback?: () => void): Promise<void> | undefined {
    this._ending = true;
    this._queryable = false;
    process.nextTick(() => {
      this.emit('end');
      callback?.();
    });
    return callback === undefined ? Promise.resolve() : undefined;
  }

  isConnected(): boolean {
    return !this._ending;
  }

  ref(): void {}
  unref(): void {}
}
