import { messageOf, type PoolError } from './errors.js';
import type { PoolEmitter } from './events.js';
import type { PoolLogger } from './options.js';

/** How the pool tells the world what happened away from any caller: events and log lines. */
export class Reporter<R> {
  constructor(
    private readonly pool: string,
    private readonly logger: PoolLogger | undefined,
    readonly emitter: PoolEmitter<R>,
  ) {}

  /** An error away from any caller: an 'error' event (never thrown) and a warning. `quiet`: a debug line instead. */
  report(error: PoolError, quiet = false): void {
    if (quiet) this.log('debug', { code: error.code, error: error.message }, 'pool error (again)');
    else this.log('warn', { code: error.code, error: error.message }, 'pool error');
    this.emitter.emit('error', error);
  }

  /** The breaker opened (`unavailable`) or closed. */
  availability(unavailable: boolean, cause: unknown, failures: number): void {
    if (unavailable) this.log('error', { failures, error: messageOf(cause) }, 'backend unavailable: circuit open, callers whose deadline the outage outlasted fail fast');
    else this.log('info', {}, 'backend available again: circuit closed');
    this.emitter.emit('availability', { pool: this.pool, unavailable, ...(unavailable ? { cause } : {}) });
  }

  log(level: 'debug' | 'info' | 'warn' | 'error', fields: Record<string, unknown>, message: string): void {
    this.logger?.[level]({ pool: this.pool, ...fields }, message);
  }
}
