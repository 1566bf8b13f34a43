import type { Lease } from './lease.js';

/** Settles a waiting caller's promise: with a lease, or with a rejected promise to fail it. */
export type Resolve<R> = (lease: Lease<R> | PromiseLike<never>) => void;

// One shared promise executor instead of a closure per caller, and only `resolve` kept (a caller is
// failed by resolving it with a rejected promise). `new Promise` calls it synchronously.
let capturedResolve: Resolve<never> | undefined;
let capturedPromise: Promise<never> | undefined;
function capture(resolve: Resolve<never>): void {
  capturedResolve = resolve;
}

/** A new pending promise: returns its resolve function; take the promise with {@link takePromise}. */
export function newPromise<R>(): Resolve<R> {
  capturedPromise = new Promise<never>(capture as never);
  return capturedResolve as Resolve<R>;
}

/** The promise made by the last {@link newPromise}. */
export function takePromise<R>(): Promise<Lease<R>> {
  const promise = capturedPromise as Promise<Lease<R>>;
  capturedPromise = undefined;
  return promise;
}

/**
 * A caller that needs more than a place in line: a priority, its own timeout, an abort signal, a
 * leak-detection stack, or a resource being validated for it. The rest wait as a bare resolve
 * function in the line (waiter-line.ts), with no object of their own.
 */
export class Waiter<R> {
  /** Its index in the deadline heap, -1 when not there. */
  heapIndex = -1;
  /** In the line (else held while its resource is validated, or gone). */
  queued = false;
  settled = false;
  /** The listener the pool added to `signal`. */
  listener: (() => void) | undefined = undefined;

  constructor(
    readonly resolve: Resolve<R>,
    readonly enqueuedAt: number,
    /** enqueuedAt + timeout; Infinity when it may wait forever. */
    readonly deadline: number,
    /** The creator's outcome count when it started waiting. */
    readonly mark: number,
    readonly priority: number,
    readonly signal: AbortSignal | undefined,
    readonly stack: string | undefined,
  ) {}
}
