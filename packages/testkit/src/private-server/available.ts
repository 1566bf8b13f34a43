import { findBinary, postgresBinDir } from './commands.js';

/** Whether the binaries for a private server are installed, and if not, why. */
export interface PrivateServerCheck {
  available: boolean;
  reason?: string;
}

function missing(kind: 'postgres' | 'mariadb' | 'redis'): string | undefined {
  try {
    if (kind === 'postgres') postgresBinDir();
    else if (kind === 'mariadb' && (findBinary(['mariadbd', 'mysqld']) === undefined || findBinary(['mariadb-install-db', 'mysql_install_db']) === undefined)) return 'no mariadbd / mariadb-install-db';
    else if (kind === 'redis' && findBinary(['redis-server']) === undefined) return 'no redis-server';
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * Like `requireService`, for the binaries a private server needs: installed, `{ available: true }`;
 * missing, locally a loud SKIPPED banner and `{ available: false, reason }`, under `CI=true` a throw.
 */
export function requirePrivateServer(kind: 'postgres' | 'mariadb' | 'redis'): PrivateServerCheck {
  const problem = missing(kind);
  if (problem === undefined) return { available: true };
  const reason = `cannot start a private ${kind}: ${problem}; install it with \`pnpm services\``;
  const ci = process.env.CI;
  if (ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false') throw new Error(`CI=true and ${reason}`);
  const line = '!'.repeat(Math.min(100, reason.length + 12));
  console.warn(`\n${line}\n!!! SKIPPED: ${reason}\n${line}\n`);
  return { available: false, reason };
}
