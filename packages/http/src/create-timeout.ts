import type { buildConnector, Client } from 'undici';

/** undici's connect timeout when none is given (its connector's default). */
const UNDICI_CONNECT_TIMEOUT_MS = 10_000;
/** Lets undici's own timer fire first, whatever its resolution (its timers tick about once a second). */
const MARGIN_MS = 1_500;

/**
 * @pool/core's deadline for opening one connection (`createTimeoutMs`), from the connect timeout
 * undici's connector applies: past it, so the caller gets undici's own `ConnectTimeoutError`
 * (`UND_ERR_CONNECT_TIMEOUT`), as from its `Pool`, rather than a core timeout at the same moment
 * (both were 10 s). No connect timeout (`0`) means none here either.
 */
export function createTimeoutFor(connect: buildConnector.BuildOptions | undefined, client: Client.Options | undefined): number {
  // the connector's own options win over the Client's as given, as in undici's Client (and
  // socketConnector): a `timeout` key there, even undefined or null, hides `connectTimeout`
  const given: unknown = connect !== undefined && 'timeout' in connect ? connect.timeout : client?.connectTimeout;
  const timeout = given ?? UNDICI_CONNECT_TIMEOUT_MS;
  if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0) return Infinity;
  return timeout + MARGIN_MS;
}
