import type { Lease } from './lease.js';

type Resolve<R> = (lease: Lease<R> | PromiseLike<never>) => void;

// One shared promise executor instead of a closure per waiter, and only `resolve` kept (a waiter is
// rejected by resolving it with a rejected promise): 100,000 queued callers hold 100,000 fewer
// closures and functions for the garbage collector to copy. `new Promise` calls it synchronously.
let capturedResolve: Resolve<never> | undefined;
let capturedPromise: Promise<never> | undefined;
function capture(resolve: Resolve<never>): void {
  capturedResolve = resolve;
}

/** What only some waiters need: a priority other than 0, an abort signal, a leak-detection stack. */
export interface WaiterExtras {
  readonly priority: number;
  /** The caller's signal and the listener the pool added to it. */
  readonly signal: AbortSignal | undefined;
  listener: (() => void) | undefined;
  /** The caller's stack, kept only while leak detection is on. */
  readonly stack: string | undefined;
}

const QUEUED = 1;
const SETTLED = 2;

/**
 * A caller waiting for a resource. Lives in the waiter queue and the deadline queue at once.
 *
 * W1 (100,000 callers queued at once) is bound by the garbage collector copying live waiters, so a
 * waiter is seven fields: the two flags share one, and what few callers use (a priority, a signal,
 * a stack) sits in one `extras` object allocated only for them. The promise is handed back through
 * {@link takePromise} rather than kept.
 */
export class Waiter<R> {
  readonly resolve: Resolve<R>;
  heapIndex = -1;
  private flags = 0;

  constructor(
    readonly enqueuedAt: number,
    /** enqueuedAt + timeout; Infinity when it may wait forever. */
    readonly deadline: number,
    /** The pool's count of create outcomes when this waiter started. */
    readonly createSeqAtStart: number,
    readonly extras: WaiterExtras | undefined,
  ) {
    capturedPromise = new Promise<never>(capture as never);
    this.resolve = capturedResolve as Resolve<R>;
  }

  get priority(): number {
    return this.extras === undefined ? 0 : this.extras.priority;
  }

  /** True while the waiter sits in the waiter queue (set and cleared by the queue). */
  get queued(): boolean {
    return (this.flags & QUEUED) !== 0;
  }

  set queued(value: boolean) {
    this.flags = value ? this.flags | QUEUED : this.flags & ~QUEUED;
  }

  /** True once the caller's promise is settled or about to be; never reset. */
  get settled(): boolean {
    return (this.flags & SETTLED) !== 0;
  }

  markSettled(): void {
    this.flags |= SETTLED;
  }

  /**
   * How long this caller waited until `at` (an exact `now()` reading). `enqueuedAt` is coarse time,
   * rounded up to a whole millisecond, so an exact reading taken within that millisecond can be
   * smaller: the wait is then 0, never negative.
   */
  waitedUntil(at: number): number {
    return at > this.enqueuedAt ? at - this.enqueuedAt : 0;
  }

  /** The caller's stack (leak detection), if kept. */
  get stack(): string | undefined {
    return this.extras === undefined ? undefined : this.extras.stack;
  }

  /** Settles the caller's promise with `error` (through a rejected promise: see `capture`). */
  reject(error: unknown): void {
    this.resolve(Promise.reject(error));
  }
}

/** The promise of the waiter constructed last: call right after `new Waiter(...)`. */
export function takePromise<R>(): Promise<Lease<R>> {
  const promise = capturedPromise as Promise<Lease<R>>;
  capturedPromise = undefined;
  return promise;
}
