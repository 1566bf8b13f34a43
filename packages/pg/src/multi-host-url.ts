import { PoolOptionError } from '@pool/core';
import { redactUrl } from '@pool/core/adapter-kit';
import type { TargetSessionAttrs } from './host-role.js';

/**
 * Splits a libpq multi-host connection string, `postgres://user@h1:5432,h2:5433/db?target_session_attrs=read-write`,
 * into one URL per host (user, password, database and other parameters kept on each) and the
 * `target_session_attrs` it names. A host without a port gets the last one given after it, else
 * none (pg's default, 5432). Returns undefined for a URL with a single host.
 */
export function splitMultiHostUrl(url: string): { hosts: string[]; targetSessionAttrs: TargetSessionAttrs | undefined } | undefined {
  const match = /^(postgres(?:ql)?:\/\/)([^@/?#]*@)?([^/?#]*)(.*)$/i.exec(url);
  if (match === null) return undefined;
  const [, scheme, userinfo = '', authority = '', rest = ''] = match as unknown as [string, string, string | undefined, string | undefined, string | undefined];
  if (!authority.includes(',')) return undefined;
  const entries = authority.split(',').map((entry) => {
    const hostPort = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(entry);
    if (hostPort === null || hostPort[1] === '') throw new PoolOptionError('connectionString', `Cannot read host "${entry}" in ${redactUrl(url)}`);
    return { host: hostPort[1] as string, port: hostPort[2] === '' ? undefined : hostPort[2] };
  });
  // libpq: `host1,host2:5433` gives each host without a port the default; we take the same rule
  const [path = '', query = ''] = rest.split('?', 2) as [string | undefined, string | undefined];
  const params = new URLSearchParams(query);
  const attrs = params.get('target_session_attrs') ?? undefined;
  params.delete('target_session_attrs');
  const search = params.toString();
  const hosts = entries.map(({ host, port }) => `${scheme}${userinfo}${host}${port === undefined ? '' : `:${port}`}${path}${search === '' ? '' : `?${search}`}`);
  return { hosts, targetSessionAttrs: attrs as TargetSessionAttrs | undefined };
}
