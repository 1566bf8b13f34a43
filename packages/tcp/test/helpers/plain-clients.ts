import net from 'node:net';

const coded = (code: string, message: string, cause?: unknown) => Object.assign(new Error(message, { cause }), { code });

/** Reads one `\n`-terminated line from a socket, or fails on close/error/timeout (the socket is destroyed then). */
function readLine(socket: net.Socket, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => fail(coded('TIMEOUT', 'timeout')), timeoutMs);
    const done = () => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('error', onError);
    };
    const fail = (error: Error) => {
      done();
      socket.destroy();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const at = buffered.indexOf('\n');
      if (at === -1) return;
      done();
      socket.pause();
      resolve(buffered.slice(0, at));
    };
    const onClose = () => fail(coded('CLOSED', 'closed before the reply'));
    const onError = (error: NodeJS.ErrnoException) => fail(coded(error.code ?? 'SOCKET_ERROR', error.message, error));
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.on('error', onError);
  });
}

/** The first baseline: a fresh `net.Socket` per request (connect, one line each way, close), one timer for the whole call. */
export function requestPerSocket(port: number, line: string, timeoutMs: number): Promise<string> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setNoDelay(true);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(coded('TIMEOUT', 'connect timeout'));
    }, timeoutMs);
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      reject(coded(error.code ?? 'SOCKET_ERROR', error.message, error));
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      socket.write(`${line}\n`);
      readLine(socket, Math.max(1, timeoutMs - (performance.now() - started))).then(
        (reply) => {
          socket.destroy();
          resolve(reply);
        },
        reject,
      );
    });
  });
}

/**
 * The second baseline: one persistent socket, reconnected on close (100 ms, doubling to 1 s), one
 * request at a time (callers queue). A request while it is not connected fails at once.
 */
export class PlainReconnectingSocket {
  socket: net.Socket | undefined;
  connected = false;
  opened = 0;
  private closed = false;
  private delay = 100;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly port: number) {
    this.connect();
  }

  private connect(): void {
    if (this.closed) return;
    const socket = net.connect({ host: '127.0.0.1', port: this.port });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('error', () => {});
    socket.on('connect', () => {
      this.connected = true;
      this.opened++;
      this.delay = 100;
    });
    socket.on('close', () => {
      this.connected = false;
      if (this.closed) return;
      this.timer = setTimeout(() => this.connect(), this.delay);
      this.delay = Math.min(1000, this.delay * 2);
    });
  }

  request(line: string, timeoutMs: number): Promise<string> {
    const run = async () => {
      const socket = this.socket;
      if (socket === undefined || !this.connected || socket.destroyed) throw coded('NOT_CONNECTED', 'not connected');
      socket.write(`${line}\n`);
      return readLine(socket, timeoutMs);
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.socket?.destroy();
  }
}
