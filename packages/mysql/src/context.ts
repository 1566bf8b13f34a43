import type { CallWatchdog, Pool } from '@pool/core';
import type { Connection } from 'mysql2/promise';

/** What a pool's one-shot calls share: the core pool and the call-level settings. */
export interface PoolContext {
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
  /** Where calls go, for tracing. */
  readonly server: { host?: string; port?: number; database?: string };
  /** mysql2's text for a refused queue: 'Queue limit reached.' or 'No connections available.'. */
  readonly queueText: string;
  /** Announces mysql2's 'enqueue' event. */
  readonly onEnqueue: (() => void) | undefined;
}
