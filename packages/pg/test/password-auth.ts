import { requireService, serviceAddress, type ServiceCheck } from '@pool/testkit';
import pg from 'pg';
import { pgUrl } from './helpers.js';

/**
 * The role `bash scripts/services` creates for reliability row 27: it logs in over loopback TCP with
 * scram-sha-256 (every other rule on the test server is `trust`, which never checks a password).
 * A fixture, not a secret: no privileges, loopback only. Keep in sync with scripts/services.
 */
export const passwordRole = { user: 'pool_pw_test', password: 'pool-pw-test-correct' } as const;

/** Client fields for the password role on the test server (host, port and database of POOL_PG_URL). */
export function passwordRoleFields(password: string): { host: string; port: number; database: string; user: string; password: string } {
  const { host, port } = serviceAddress('pg');
  const database = decodeURIComponent(new URL(pgUrl).pathname.slice(1)) || 'postgres';
  return { host, port, database, user: passwordRole.user, password };
}

/** undefined when a login with `password` succeeds, else the error's SQLSTATE (or message). */
async function tryLogin(password: string): Promise<string | undefined> {
  const client = new pg.Client({ ...passwordRoleFields(password), connectionTimeoutMillis: 3000 });
  client.on('error', () => {});
  try {
    await client.connect();
    return undefined;
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string };
    return code ?? message ?? String(error);
  } finally {
    await client.end().catch(() => {});
  }
}

function isCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

/**
 * Like the testkit's `requireService('pg')`, for the password-checked role: available when the right
 * password logs in and a wrong one is refused with 28P01 (so the scram-sha-256 rule is in force, not
 * a `trust` line above it). Otherwise it throws when CI=true and warns loudly and skips locally.
 */
export async function requirePasswordAuth(): Promise<ServiceCheck> {
  const service = await requireService('pg');
  if (!service.available) return service;
  let problem: string | undefined;
  const right = await tryLogin(passwordRole.password);
  if (right !== undefined) {
    problem = `role ${passwordRole.user} cannot log in with its password (${right})`;
  } else {
    const wrong = await tryLogin(`not-${passwordRole.password}`);
    if (wrong === undefined) problem = `role ${passwordRole.user} logs in with a wrong password: its loopback logins are not password-checked`;
    else if (wrong !== '28P01') problem = `a wrong password for ${passwordRole.user} gave ${wrong}, not 28P01`;
  }
  if (problem === undefined) return { available: true };
  const reason = `${problem}; run \`bash scripts/services\` as root (it adds the role and its scram-sha-256 pg_hba.conf lines)`;
  if (isCi()) throw new Error(`CI=true and ${reason}`);
  const line = '!'.repeat(Math.min(100, reason.length + 12));
  console.warn(`\n${line}\n!!! SKIPPED: ${reason}\n${line}\n`);
  return { available: false, reason };
}
