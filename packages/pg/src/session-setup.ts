import type pg from 'pg';
import { stateOf, type ClientState } from './client-state.js';

/** A SET statement sent while a new client was set up. */
export interface SetupStatement {
  text: string;
  values: unknown[] | undefined;
}

type QueryFn = (...args: unknown[]) => unknown;

/** A session setting: SET (search_path, TIME ZONE, ROLE, statement_timeout ...) or SELECT set_config(...), the form that takes parameters. */
const setsSession = /^\s*(SET\s|SELECT\s+(pg_catalog\.)?set_config\s*\()/i;

function note(state: ClientState, config: unknown, values: unknown): void {
  const text = typeof config === 'string' ? config : (config as { text?: unknown } | null)?.text;
  if (typeof text !== 'string' || !setsSession.test(text)) return;
  const bound = Array.isArray(values) ? values : (config as { values?: unknown } | null)?.values;
  state.setup.push({ text, values: Array.isArray(bound) ? bound : undefined });
}

/**
 * Runs `work` (onConnect, verify, the 'connect' listeners) on a new client while noting the SET
 * statements it sends: a `resetQuery` such as DISCARD ALL or RESET ALL clears session settings, so
 * they are sent again after it, and the session a borrower gets is the one the setup made.
 */
export function recordSetup<T>(client: pg.Client, work: () => T): T {
  const state = stateOf(client);
  if (state === undefined) return work(); // a client this adapter did not create: nothing to replay it on
  const target = client as unknown as { query: QueryFn };
  const own = Object.hasOwn(target, 'query') ? target.query : undefined;
  const original = target.query;
  target.query = function recording(this: unknown, ...args: unknown[]): unknown {
    note(state, args[0], args[1]);
    return original.apply(this, args);
  };
  const restore = (): void => {
    if (own === undefined) delete (target as { query?: QueryFn }).query;
    else target.query = own;
  };
  let result: T;
  try {
    result = work();
  } catch (error) {
    restore();
    throw error;
  }
  if (result instanceof Promise) return result.finally(restore) as T;
  restore();
  return result;
}
