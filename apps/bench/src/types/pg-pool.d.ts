// pg-pool ships no types; the bench uses only this much of it.
declare module 'pg-pool' {
  interface PgPoolOptions {
    max?: number;
    Client?: new (options: unknown) => unknown;
    [key: string]: unknown;
  }
  class PgPool {
    constructor(options?: PgPoolOptions);
    connect(): Promise<{ release(error?: Error | boolean): void }>;
    end(): Promise<void>;
    readonly totalCount: number;
    readonly idleCount: number;
    readonly waitingCount: number;
  }
  export default PgPool;
}
