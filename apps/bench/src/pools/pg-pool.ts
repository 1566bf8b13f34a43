import PgPool from 'pg-pool';
import { FakePgClient } from './fake-pg-client.js';
import type { PoolContender } from './types.js';

interface PooledClient {
  release(error?: Error | boolean): void;
}

/** pg-pool 3 with a fake `Client` class, through `connect()` and `client.release()`. */
export const pgPoolContender: PoolContender = {
  name: 'pg-pool 3',
  reference: false,
  note: 'defaults except max and Client (a fake, no server; idleTimeoutMillis 10000 arms a timer per release)',
  create(max) {
    const pool = new PgPool({ max, Client: FakePgClient as never });
    return {
      acquire: () => pool.connect(),
      release: (client) => (client as PooledClient).release(),
      close: () => pool.end(),
    };
  },
};
