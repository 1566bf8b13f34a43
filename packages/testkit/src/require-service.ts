import { connect } from 'node:net';
import { redactUrl, serviceAddress, serviceEnv, serviceUrl, type ServiceName } from './service-url.js';

/** Whether a test service answered, and if not, why. */
export interface ServiceCheck {
  available: boolean;
  /** Why the service is unusable (the URL in it has its password redacted). */
  reason?: string;
}

/** Options of {@link requireService}. */
export interface RequireServiceOptions {
  /** How long to wait for the TCP connect. @default 2000 */
  timeoutMs?: number;
}

/**
 * Checks that a test service accepts TCP connections. Locally, an unreachable service gives
 * `{ available: false, reason }` and prints the reason loudly (use `describe.skipIf(!svc.available)`).
 * When `CI=true` it throws instead, so the test file fails: CI never skips silently.
 */
export async function requireService(service: ServiceName, options: RequireServiceOptions = {}): Promise<ServiceCheck> {
  const url = serviceUrl(service);
  const problem = await probe(service, options.timeoutMs ?? 2000);
  if (problem === undefined) return { available: true };
  const reason = `${service} at ${redactUrl(url)} is unreachable (${problem}); start it with \`pnpm services\` or set ${serviceEnv[service]}`;
  if (isCi()) throw new Error(`CI=true and ${reason}`);
  const line = '!'.repeat(Math.min(100, reason.length + 12));
  console.warn(`\n${line}\n!!! SKIPPED: ${reason}\n${line}\n`);
  return { available: false, reason };
}

function isCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

/** undefined when the port accepts a connection, else what went wrong. */
function probe(service: ServiceName, timeoutMs: number): Promise<string | undefined> {
  let address: { host: string; port: number };
  try {
    address = serviceAddress(service);
  } catch (error) {
    return Promise.resolve(`bad URL: ${(error as Error).message}`);
  }
  return new Promise((resolve) => {
    const socket = connect({ host: address.host, port: address.port });
    const timer = setTimeout(() => finish(`no answer within ${timeoutMs} ms`), timeoutMs);
    function finish(problem: string | undefined): void {
      clearTimeout(timer);
      socket.destroy();
      resolve(problem);
    }
    socket.once('connect', () => finish(undefined));
    socket.once('error', (error: NodeJS.ErrnoException) => finish(error.code ?? error.message));
  });
}
