import type { Redis } from 'ioredis';

/**
 * How long a release waits for the replies of commands the borrower sent and did not await, before
 * the connection is destroyed instead (a `BLPOP` left blocking, a slow script).
 */
export const RELEASE_DRAIN_MS = 1_000;

/**
 * Resolves true once every reply owed to `client` has arrived, false after `ms` or if the
 * connection fails first. A command a borrower sent without awaiting it (a fire-and-forget
 * `expire` or `publish`, as ioredis code often does) then settles as it would on a plain client,
 * where destroying the connection at once rejected it with `Connection is closed.` after the server
 * had run it (an unhandled rejection: the process exits). ioredis answers in order, so a `PING`
 * queued behind those commands answers last (with `enableAutoPipelining` it joins the same queue,
 * behind the commands still waiting for their flush); nothing reaches the next borrower, who gets
 * the connection only afterwards.
 */
export function drainReplies(client: Redis, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<false>((resolve) => {
    timer = setTimeout(resolve, ms, false);
  });
  const answered = client.ping().then(
    () => true,
    () => false,
  );
  return Promise.race([answered, expired]).finally(() => clearTimeout(timer));
}
