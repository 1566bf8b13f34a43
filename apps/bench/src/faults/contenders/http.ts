import { createHttpPool } from '@pool/http';
import { Pool, request, type Dispatcher } from 'undici';
import type { Contender, Subject } from '../types.js';
import { DEADLINE_MS, MAX, withTimeout } from './shared.js';

/** One GET through `dispatcher`, the body read; the same call for every row (a signal when the row has a deadline). */
function subject(url: string, dispatcher: Dispatcher, deadlineMs: number | undefined, close: () => Promise<void>): Subject {
  return {
    call: async () => {
      const response = await request(`${url}/`, { dispatcher, ...(deadlineMs !== undefined ? { signal: AbortSignal.timeout(deadlineMs) } : {}) });
      return response.body.text();
    },
    close,
  };
}

function ours(name: string, deadlineMs?: number): Contender {
  return {
    engine: 'HTTP',
    name,
    ...(deadlineMs !== undefined ? { deadlineMs } : {}),
    async open(url) {
      const pool = createHttpPool({ origin: url, pool: { max: MAX, name: 'faults-http' } });
      return subject(url, pool, deadlineMs, () => withTimeout(pool.close(), 5_000));
    },
  };
}

function theirs(name: string, deadlineMs?: number): Contender {
  return {
    engine: 'HTTP',
    name,
    ...(deadlineMs !== undefined ? { deadlineMs } : {}),
    async open(url) {
      const pool = new Pool(url, { connections: MAX });
      return subject(url, pool, deadlineMs, () => withTimeout(pool.close(), 5_000));
    },
  };
}

export const httpContenders: Contender[] = [
  ours('@pool/http (defaults)'),
  ours(`@pool/http (signal ${DEADLINE_MS})`, DEADLINE_MS),
  theirs(`undici Pool (connections ${MAX})`),
  theirs(`undici Pool (connections ${MAX}, signal ${DEADLINE_MS})`, DEADLINE_MS),
];
