/** One call of the load: when it started and ended (`performance.now()` ms) and how. */
export interface CallSample {
  start: number;
  end: number;
  ok: boolean;
  /** The error's `code` (string or number), when it failed with one. */
  code?: string | number;
  /** A failure's kind: `code ClassName: message` with numbers masked (for the error histogram). */
  kind?: string;
}

/** The pool a row measures: one-shot calls through it, then closing it. */
export interface Subject {
  call(): Promise<unknown>;
  close(): Promise<void>;
  /** How many times the pool handed out a connection that was already dead (where observable: the pool's acquire event). */
  lentBroken?(): number;
}

/** A row of the table: how to build the pool under test against a server URL. */
export interface Contender {
  engine: 'PostgreSQL' | 'MariaDB' | 'Redis' | 'HTTP';
  /** e.g. `@pool/pg (defaults)`, `pg.Pool (connectionTimeoutMillis 3000, query_timeout 3000)`. */
  name: string;
  /** The per-call deadline it was given (ms), if any. */
  deadlineMs?: number;
  /**
   * Without a deadline: how long a call may take on a frozen server by the pool's documented defaults
   * (a liveness threshold + the probe's timeout), checked on the freeze's slowest call.
   */
  frozenBoundMs?: number;
  open(url: string): Promise<Subject>;
}

/** When a fault happened, on the same clock as the samples. */
export interface FaultTimes {
  /** Load was steady before this (the pre-fault rate is measured up to here). */
  faultAt: number;
  /** From here no call could succeed until the server was back (first success is looked for after it). */
  outageAt: number;
  /** The server answers again (restart: it accepts connections; freeze: SIGCONT sent; kill of idle sessions: callers resume). */
  backAt: number;
}
