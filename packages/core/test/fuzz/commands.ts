import fc from 'fast-check';
import type { FuzzModel } from './fuzz-model.js';

/** One step of a fuzz run. `toString` is what a counterexample prints. */
export interface Step extends fc.AsyncCommand<FuzzModel, FuzzModel> {
  /** Counted toward the operation total. */
  readonly op: string;
}

abstract class BaseStep implements Step {
  abstract readonly op: string;
  check(): boolean {
    return true;
  }
  abstract act(m: FuzzModel): void | Promise<void>;
  async run(m: FuzzModel): Promise<void> {
    m.commands++;
    await this.act(m);
    await m.clock.flush();
    this.after(m);
    m.check(this.toString());
  }
  after(_m: FuzzModel): void {}
  abstract toString(): string;
}

class Acquire extends BaseStep {
  readonly op = 'acquire';
  constructor(readonly timeoutMs: number | undefined, readonly priority: number, readonly abortable: boolean) {
    super();
  }
  act(m: FuzzModel): void {
    m.acquire(this.timeoutMs, this.priority, this.abortable);
  }
  toString(): string {
    return `acquire(${this.timeoutMs === undefined ? 'default timeout' : `${this.timeoutMs}ms`}${this.priority ? `, priority ${this.priority}` : ''}${this.abortable ? ', abortable' : ''})`;
  }
}

class Use extends BaseStep {
  readonly op = 'use';
  constructor(readonly holdMs: number, readonly ending: 'ok' | 'throw' | 'fatal' | 'break', readonly timeoutMs: number | undefined, readonly abortable: boolean) {
    super();
  }
  act(m: FuzzModel): void {
    m.use(this.holdMs, this.ending, this.timeoutMs, this.abortable);
  }
  toString(): string {
    return `use(hold ${this.holdMs}ms then ${this.ending}, ${this.timeoutMs === undefined ? 'default timeout' : `${this.timeoutMs}ms`}${this.abortable ? ', abortable' : ''})`;
  }
}

class Release extends BaseStep {
  readonly op = 'release';
  constructor(readonly index: number, readonly destroy: boolean) {
    super();
  }
  act(m: FuzzModel): void {
    m.release(this.index, this.destroy);
  }
  toString(): string {
    return `${this.destroy ? 'lease.destroy' : 'lease.release'}(#${this.index})`;
  }
}

class Misuse extends BaseStep {
  readonly op = 'misuse';
  constructor(readonly index: number) {
    super();
  }
  act(m: FuzzModel): void {
    m.misuse(this.index);
  }
  toString(): string {
    return `second ${this.index % 2 === 0 ? 'release' : 'destroy'} of returned lease #${this.index}`;
  }
}

class Abort extends BaseStep {
  readonly op = 'abort';
  private target: { settled: boolean; outcome?: string; id: number; kind: string } | undefined;
  constructor(readonly index: number) {
    super();
  }
  act(m: FuzzModel): void {
    this.target = m.abort(this.index);
  }
  override after(m: FuzzModel): void {
    const t = this.target;
    this.target = undefined;
    if (t === undefined) return;
    // a waiter (or a use) aborted while pending rejects POOL_ABORTED at once
    if (!t.settled) m.violations.push(`${t.kind} #${t.id} was aborted but is still pending`);
    else if (t.outcome !== 'POOL_ABORTED') m.violations.push(`${t.kind} #${t.id} was aborted while pending but settled with ${t.outcome}`);
  }
  toString(): string {
    return `abort(pending #${this.index})`;
  }
}

class AcquireWithdrawable extends BaseStep {
  readonly op = 'acquire';
  act(m: FuzzModel): void {
    m.acquireWithdrawable();
  }
  toString(): string {
    return 'acquireWithdrawable()';
  }
}

class Withdraw extends BaseStep {
  readonly op = 'withdraw';
  private result: ReturnType<FuzzModel['withdraw']>;
  constructor(readonly index: number) {
    super();
  }
  act(m: FuzzModel): void {
    this.result = m.withdraw(this.index);
    // taken from the line (pending drops by one) or from a validation held for it (held callers are not pending)
    const pending = m.pool.stats().pending;
    if (this.result?.taken && pending !== this.result.pendingBefore - 1 && pending !== this.result.pendingBefore) {
      m.violations.push(`withdraw of acquire #${this.result.t.id} said it was waiting but pending went ${this.result.pendingBefore} -> ${pending}`);
    }
  }
  override after(m: FuzzModel): void {
    const result = this.result;
    this.result = undefined;
    if (result === undefined || !result.taken) return; // served already
    const t = result.t;
    if (!t.settled) m.violations.push(`acquire #${t.id} was withdrawn but is still pending`);
    else if (t.outcome !== 'POOL_ABORTED') m.violations.push(`acquire #${t.id} was withdrawn from the line but settled with ${t.outcome}`);
  }
  toString(): string {
    return `withdraw(pending withdrawable #${this.index})`;
  }
}

class Advance extends BaseStep {
  readonly op = 'timeout';
  constructor(readonly ms: number) {
    super();
  }
  async act(m: FuzzModel): Promise<void> {
    await m.clock.advance(this.ms);
  }
  toString(): string {
    return `advance(${this.ms}ms)`;
  }
}

class Resize extends BaseStep {
  readonly op = 'resize';
  constructor(readonly min: number, readonly max: number) {
    super();
  }
  act(m: FuzzModel): void {
    m.resize(this.min, this.max);
  }
  toString(): string {
    return `resize({ min: ${this.min}, max: ${this.max} })`;
  }
}

class Close extends BaseStep {
  readonly op = 'close';
  constructor(readonly timeoutMs: number) {
    super();
  }
  act(m: FuzzModel): void {
    m.close(this.timeoutMs);
  }
  toString(): string {
    return `close({ timeoutMs: ${this.timeoutMs} })`;
  }
}

class Misc extends BaseStep {
  constructor(readonly op: 'pause' | 'resume' | 'evictAll' | 'ready' | 'break', readonly index: number) {
    super();
  }
  act(m: FuzzModel): void {
    if (this.op === 'pause') m.pool.pause();
    else if (this.op === 'resume') m.pool.resume();
    else if (this.op === 'evictAll') m.pool.evictAll(new Error('fuzz: failover'));
    else if (this.op === 'ready') m.ready();
    else m.breakOne(this.index);
  }
  toString(): string {
    return this.op === 'break' ? `break(resource #${this.index})` : `${this.op}()`;
  }
}

const timeout = fc.option(fc.integer({ min: 1, max: 300 }), { nil: undefined, freq: 3 });

/** The weighted mix of steps; timeouts and releases come often, close rarely. */
export const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  { weight: 200, arbitrary: fc.tuple(timeout, fc.constantFrom(0, 0, 0, 1, -1), fc.boolean()).map(([t, p, a]) => new Acquire(t, p, a)) },
  { weight: 80, arbitrary: fc.tuple(fc.integer({ min: 0, max: 60 }), fc.constantFrom('ok', 'ok', 'ok', 'throw', 'fatal', 'break') as fc.Arbitrary<'ok' | 'throw' | 'fatal' | 'break'>, timeout, fc.boolean()).map(([h, e, t, a]) => new Use(h, e, t, a)) },
  { weight: 180, arbitrary: fc.tuple(fc.nat(20), fc.boolean()).map(([i, d]) => new Release(i, d && i % 4 === 0)) },
  { weight: 20, arbitrary: fc.nat(20).map((i) => new Misuse(i)) },
  { weight: 50, arbitrary: fc.nat(20).map((i) => new Abort(i)) },
  { weight: 40, arbitrary: fc.constant(null).map(() => new AcquireWithdrawable()) },
  { weight: 30, arbitrary: fc.nat(20).map((i) => new Withdraw(i)) },
  { weight: 220, arbitrary: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 20, max: 400 })).map((ms) => new Advance(ms)) },
  { weight: 30, arbitrary: fc.tuple(fc.nat(3), fc.integer({ min: 1, max: 6 })).map(([min, max]) => new Resize(Math.min(min, max), max)) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 300 }).map((t) => new Close(t)) },
  { weight: 30, arbitrary: fc.tuple(fc.constantFrom('pause', 'resume', 'resume', 'evictAll', 'ready', 'break', 'break') as fc.Arbitrary<Misc['op']>, fc.nat(20)).map(([op, i]) => new Misc(op, i)) },
);
