import type { PoolError } from './errors.js';
import type { PoolEmitter } from './events.js';
import type { PoolLogger } from './logger.js';

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

  log(level: 'debug' | 'info' | 'warn' | 'error', fields: Record<string, unknown>, message: string): void {
    this.logger?.[level]({ pool: this.pool, ...fields }, message);
  }
}
