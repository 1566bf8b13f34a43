import { connect, type Socket } from 'node:net';

/** Connects, resolving on 'connect' and rejecting with the socket error (ECONNREFUSED...) or after `timeoutMs`. */
export function connectTo(port: number, timeoutMs = 5000): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connect timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', onError);
      resolve(socket);
    });
    const onError = (error: Error) => {
      clearTimeout(timer);
      reject(error);
    };
    socket.once('error', onError);
  });
}

/** Writes `text` and resolves with the first `text.length` bytes read back, or rejects on error, close or timeout. */
export function roundTrip(socket: Socket, text: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const timer = setTimeout(() => done(new Error(`read timed out after ${timeoutMs} ms`)), timeoutMs);
    const onData = (data: Buffer) => {
      got += data.toString('utf8');
      if (got.length >= text.length) done(undefined);
    };
    const onError = (error: Error) => done(error);
    const onClose = () => done(new Error('socket closed before the reply'));
    function done(error: Error | undefined): void {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
      if (error) reject(error);
      else resolve(got);
    }
    socket.on('data', onData);
    socket.once('error', onError);
    socket.once('close', onClose);
    socket.write(text);
  });
}

/** Polls `predicate` every 5 ms until it holds or `timeoutMs` passes (then throws with `what`). */
export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
