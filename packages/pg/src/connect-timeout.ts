/**
 * pg.Pool's error for a connect that ran past `connectionTimeoutMillis`. pg.Client's own connect timer
 * destroys the socket with `timeout expired`; pg.Pool gives its callers `Connection terminated due to
 * connection timeout` (a plain Error) with the client's error as `cause`, and so does this pool. Any
 * other error is returned as it is.
 */
export function asPoolConnectTimeout(error: unknown): unknown {
  const message = (error as { message?: unknown } | null)?.message;
  if (!(error instanceof Error) || message !== 'timeout expired') return error;
  return new Error('Connection terminated due to connection timeout', { cause: error });
}
