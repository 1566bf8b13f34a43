import type { Dispatcher } from 'undici';
import { Exchange, type ExchangeHost, type Handler } from './exchange.js';

/**
 * For undici 7's legacy handler (`onConnect`, `onHeaders`, `onData`, `onComplete`, `onError`): what
 * `request()`, `stream()`, `pipeline()` and `fetch()` of undici 7 pass.
 */
export class LegacyExchange extends Exchange {
  private abortFn: ((reason?: Error) => void) | null = null;
  private connected = false;
  private readonly callerAbort = (reason?: Error) => this.userAbort(reason);
  private pausedAt = -1;
  private undiciResume: (() => void) | null = null;
  /** The `resume` the caller gets: undici's, noting that the caller takes the body again. */
  private readonly callerResume = () => {
    this.pausedAt = -1;
    this.undiciResume?.();
  };

  constructor(host: ExchangeHost, opts: Dispatcher.DispatchOptions, private readonly handler: Handler) {
    super(host, opts);
  }

  onConnect(abort: (reason?: Error) => void, context?: unknown): void {
    this.abortFn = abort;
    if (this.abortReason !== null) {
      abort(this.abortReason);
      return;
    }
    if (!this.connected) {
      this.connected = true;
      (this.handler.onConnect as ((abort: (reason?: Error) => void, context?: unknown) => void) | undefined)?.(this.callerAbort, context);
    }
  }

  onResponseStarted(): void {
    this.handler.onResponseStarted?.();
  }

  onHeaders(statusCode: number, headers: Buffer[], resume: () => void, statusText: string): boolean {
    if (statusCode >= 200) this.started = true;
    this.undiciResume = resume;
    return this.handler.onHeaders?.(statusCode, headers, this.callerResume, statusText) ?? true;
  }

  onData(chunk: Buffer): boolean {
    const more = this.handler.onData?.(chunk) ?? true;
    // the first refusal: undici may hand over what it already parsed before it stops
    if (more === false && this.pausedAt < 0) this.pausedAt = performance.now();
    return more;
  }

  get bodyPausedAt(): number {
    return this.pausedAt;
  }

  onBodySent(chunkSize: number, totalBytesSent: number): void {
    this.handler.onBodySent?.(chunkSize, totalBytesSent);
  }

  onUpgrade(statusCode: number, headers: Buffer[] | string[] | null, socket: import('node:stream').Duplex): void {
    this.detach();
    this.handler.onUpgrade?.(statusCode, headers, socket);
  }

  onComplete(trailers: string[] | null): void {
    this.complete();
    this.handler.onComplete?.(trailers);
  }

  onError(error: Error): void {
    this.failed(error);
  }

  protected abortCurrent(reason: Error): void {
    this.abortFn?.(reason);
  }

  protected deliverError(error: Error): void {
    this.done = true;
    if (typeof this.handler.onError !== 'function') throw error;
    this.handler.onError(error);
  }
}
