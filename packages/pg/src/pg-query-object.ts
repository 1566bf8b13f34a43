import pg from 'pg';

/**
 * A `new pg.Query(...)` passed to `pool.query`. pg.Pool runs it on a pooled client and releases the
 * client when the query calls back (its 'row' and 'end' events fire as on a client), so this pool
 * does too. Other Submittables (pg-cursor, pg-query-stream) never call back, so pg.Pool would keep their
 * client for ever; they are refused (PG_SUBMITTABLE_NOT_SUPPORTED).
 */
export function isPgQueryObject(config: unknown): config is pg.Query {
  return config instanceof pg.Query;
}

type QueryCallback = (error: Error | null, result?: pg.QueryResult) => void;

/**
 * Takes the callback a `pg.Query` was made with (`new pg.Query(text, values, cb)`), so the pool's own
 * is installed when it is submitted. Returns it, or undefined. pg.Pool never releases the client of
 * such a query; this pool does, and calls the query's callback with the outcome.
 */
export function takeOwnCallback(query: pg.Query): QueryCallback | undefined {
  const holder = query as unknown as { callback?: unknown };
  const own = holder.callback;
  if (typeof own !== 'function') return undefined;
  holder.callback = undefined;
  return own as QueryCallback;
}
