import type { Pool } from '@pool/core';
import type { CallWatchdog } from '@pool/core/adapter-kit';
import type { Connection } from 'mysql2/promise';

import type { AcquirePolicy } from './acquire.js';

/** What a pool's one-shot calls share: the core pool and the call-level settings. */
export interface PoolContext extends AcquirePolicy {
  readonly core: Pool<Connection>;
  readonly name: string;
  /** mysql2's `trace` option: errors of one-shot calls carry the caller's stack. */
  readonly trace: boolean;
  /** The pool's default per-call deadline (Infinity = none, as mysql2). */
  readonly queryTimeoutMs: number;
  /** The frozen-server check of calls without a deadline, or undefined when turned off. */
  readonly watchdog: CallWatchdog | undefined;
  /** The connection options `query` commands are built with (mysql2's pool does the same). */
  readonly queryConfig: { rowsAsArray?: boolean; infileStreamFactory?: unknown; namedPlaceholders?: boolean };
  /** Several hosts were given: a write refused as read-only (a failover) is retried once on the writable host. */
  readonly retryOnReadOnly: boolean;
  /** Where calls go, for tracing. */
  readonly server: { host?: string; port?: number; database?: string };
}
