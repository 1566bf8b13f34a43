import type { CreateContext } from './provider.js';

/**
 * One create's context, whose signal is made only when the provider reads it: an AbortController
 * costs more than the rest of a create's bookkeeping (~6 µs on Node 20), and a provider that never
 * looks at `ctx.signal` never needs one. `signal` is an own enumerable property, as when it was a
 * plain `{ signal }` (so `{ ...ctx }` keeps it); read after the abort, it is already aborted, with
 * the same reason.
 */
export class CreateAbort {
  readonly context: CreateContext;
  private controller: AbortController | undefined = undefined;
  private aborted = false;
  private reason: unknown = undefined;

  constructor() {
    const self = this;
    this.context = {
      get signal(): AbortSignal {
        return self.signal();
      },
    };
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
  }

  private signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }
}
