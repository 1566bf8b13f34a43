import { buildConnector, type Client } from 'undici';

/**
 * The connector undici's own `Client` would build from these options: its socket-shaping options
 * (`connectTimeout`, `socketPath`, `maxCachedSessions`, `allowH2`, `autoSelectFamily`, ...) under
 * `connect`'s, which win, as in undici. Each pooled `Client` is handed a socket this connector
 * opened, so without this those `client` options would be silently ignored.
 */
export function socketConnector(connect: buildConnector.BuildOptions | undefined, client: Omit<Client.Options, 'connect'>): buildConnector.connector {
  const { tls, maxCachedSessions, allowH2, useH2c, socketPath, connectTimeout, autoSelectFamily, autoSelectFamilyAttemptTimeout } = client as Client.Options & {
    tls?: object;
    useH2c?: boolean;
  };
  return buildConnector({
    ...(tls ?? {}),
    ...defined({ maxCachedSessions, allowH2, useH2c, socketPath, timeout: connectTimeout }),
    ...(typeof autoSelectFamily === 'boolean' ? defined({ autoSelectFamily, autoSelectFamilyAttemptTimeout }) : {}),
    ...(connect ?? {}),
  } as buildConnector.BuildOptions);
}

/** `record` without its undefined entries (an explicit undefined would override buildConnector's defaults). */
function defined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}
