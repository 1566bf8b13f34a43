import type { Dispatcher } from 'undici';
import { Exchange, type ExchangeHost, type Handler } from './exchange.js';

/** The caller's view of a controller that survives a retry: it always acts on the current attempt. */
class StableController implements Dispatcher.DispatchController {
  current: Dispatcher.DispatchController | null = null;
  /** When the caller paused the response (performance.now()), -1 while it is not paused. */
  pausedByCallerAt = -1;
  private abortedWith: Error | null = null;
  rawHeaders?: Dispatcher.DispatchController['rawHeaders'];
  rawTrailers?: Dispatcher.DispatchController['rawTrailers'];

  constructor(private readonly onAbort: (reason: Error) => void) {}

  get aborted(): boolean {
    return this.abortedWith !== null || (this.current?.aborted ?? false);
  }

  get paused(): boolean {
    return this.current?.paused ?? this.pausedByCallerAt >= 0;
  }

  get reason(): Error | null {
    return this.abortedWith ?? this.current?.reason ?? null;
  }

  abort(reason: Error): void {
    if (this.abortedWith !== null) return;
    this.abortedWith = reason;
    this.onAbort(reason);
  }

  pause(): void {
    if (this.pausedByCallerAt < 0) this.pausedByCallerAt = performance.now();
    this.current?.pause();
  }

  resume(): void {
    this.pausedByCallerAt = -1;
    this.current?.resume();
  }
}

/**
 * For the newer handler (`onRequestStart`, `onResponseStart`, `onResponseData`, `onResponseEnd`,
 * `onResponseError`): interceptors and undici 8 use it.
 */
export class ControllerExchange extends Exchange {
  private readonly controller = new StableController((reason) => this.userAbort(reason));
  private connected = false;

  constructor(host: ExchangeHost, opts: Dispatcher.DispatchOptions, private readonly handler: Handler) {
    super(host, opts);
  }

  onRequestStart(controller: Dispatcher.DispatchController, context: unknown): void {
    this.controller.current = controller;
    if (this.abortReason !== null) {
      controller.abort(this.abortReason);
      return;
    }
    if (!this.connected) {
      this.connected = true;
      this.handler.onRequestStart?.(this.controller, context);
    }
  }

  onRequestUpgrade(controller: Dispatcher.DispatchController, statusCode: number, headers: import('node:http').IncomingHttpHeaders, socket: import('node:stream').Duplex): void {
    this.detach();
    this.handler.onRequestUpgrade?.(this.sync(controller), statusCode, headers, socket);
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: import('node:http').IncomingHttpHeaders, statusMessage?: string): void {
    if (statusCode >= 200) this.started = true;
    this.handler.onResponseStart?.(this.sync(controller), statusCode, headers, statusMessage);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.handler.onResponseData?.(this.sync(controller), chunk);
  }

  onResponseEnd(controller: Dispatcher.DispatchController, trailers: import('node:http').IncomingHttpHeaders): void {
    this.complete();
    this.handler.onResponseEnd?.(this.sync(controller), trailers);
  }

  onResponseError(controller: Dispatcher.DispatchController, error: Error): void {
    if (controller) this.sync(controller);
    this.failed(error);
  }

  private sync(controller: Dispatcher.DispatchController): Dispatcher.DispatchController {
    this.controller.current = controller;
    this.controller.rawHeaders = controller.rawHeaders;
    this.controller.rawTrailers = controller.rawTrailers;
    return this.controller;
  }

  get bodyPausedAt(): number {
    return this.controller.pausedByCallerAt;
  }

  protected abortCurrent(reason: Error): void {
    this.controller.current?.abort(reason);
  }

  protected deliverError(error: Error): void {
    this.done = true;
    this.handler.onResponseError?.(this.controller, error);
  }
}
