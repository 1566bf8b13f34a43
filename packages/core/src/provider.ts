/** What a failed create means for the callers: wait for a retry (soon, or paced when the server is full), or fail now. */
export type CreateErrorKind = 'transient' | 'busy' | 'permanent';

/** Given to `create`: aborted when the create times out or the pool closes. */
export interface CreateContext {
  readonly signal: AbortSignal;
}

/** Given to `validate`: aborted when `validateTimeoutMs` passes. */
export interface ValidateContext {
  readonly signal: AbortSignal;
  /** How long the resource sat idle before this check, in ms. */
  readonly idleMs: number;
}

/**
 * What an adapter implements: how to open, check, reset and close one resource. The pool decides
 * when each hook runs (policy); the provider knows how (protocol).
 */
export interface ResourceProvider<R> {
  /** Open a new resource. Should honour `ctx.signal`; a create that ignores it is abandoned at the deadline and destroyed if it ever resolves. */
  create(ctx: CreateContext): Promise<R>;
  /** Close a resource. Called once per resource, under `destroyTimeoutMs`. */
  destroy?(resource: R): Promise<void> | void;
  /** Protocol-level ping. `false`, a throw, or the timeout all mean: destroy it and use another. */
  validate?(resource: R, ctx: ValidateContext): Promise<boolean> | boolean;
  /** Runs on release, before the resource is reused. `false` or a throw means: destroy it. */
  reset?(resource: R): Promise<boolean> | boolean;
  /** Cheap synchronous check (socket closed, client ended). True means: never hand it out again. */
  isBroken?(resource: R): boolean;
  /** True for errors after which the resource that raised them must be destroyed (connection-level errors). */
  isFatal?(error: unknown): boolean;
  /** True for errors that mean every resource points at the wrong server (failover, READONLY): the pool evicts all. */
  isFailover?(error: unknown): boolean;
  /**
   * How a failed `create` should be treated. `'transient'` (refused, reset, timeout, server starting):
   * retried, `retry.probeDelayMs` after the failure while callers wait (so the pool follows a server
   * back within milliseconds), else paced by the backoff; waiters keep waiting within their deadlines.
   * `'busy'` (the server is up but has no room: too many connections, maxclients): retried too, but
   * paced by the backoff even while callers wait (`retry.minDelayMs` doubling, at most 1 s apart), so
   * a full server is not sent a login every few ms; waiters keep waiting.
   * `'permanent'` (authentication failed, unknown database, TLS verification, bad config): every waiting
   * caller is rejected at once with this error, and creates are not retried in a tight loop.
   * Without the hook every create error is transient.
   */
  classifyCreateError?(error: unknown): CreateErrorKind;
}
