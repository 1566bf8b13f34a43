import net, { type Socket } from 'node:net';
import tls from 'node:tls';
import { TcpPoolError, describeError } from './errors.js';
import type { ResolvedTcpOptions } from './options.js';

/**
 * Opens one socket (TCP, then TLS when configured) and resolves once it is ready for data: after
 * 'connect', or 'secureConnect' with the certificate verified. Rejects with a {@link TcpPoolError}
 * (TCP_CONNECT_FAILED, TCP_TLS_FAILED, TCP_CONNECT_TIMEOUT or TCP_ABORTED, the original error as
 * `cause`) and destroys the half-open socket.
 */
export function connectSocket(options: ResolvedTcpOptions, signal: AbortSignal): Promise<Socket> {
  const { address } = options;
  if (signal.aborted) {
    return Promise.reject(new TcpPoolError('TCP_ABORTED', `connect to ${address} aborted before it started`, { cause: signal.reason, address }));
  }
  return new Promise<Socket>((resolve, reject) => {
    let socket: Socket;
    try {
      socket = options.tls === undefined
        ? net.connect({ host: options.host, port: options.port })
        : tls.connect({ ...options.tls, host: options.host, port: options.port });
    } catch (error) {
      // bad TLS material (an unreadable key, a wrong passphrase) throws before any I/O
      const code = options.tls === undefined ? 'TCP_CONNECT_FAILED' : 'TCP_TLS_FAILED';
      reject(new TcpPoolError(code, `cannot open a connection to ${address}: ${describeError(error)}`, { cause: error, address }));
      return;
    }
    let tcpConnected = false;
    let timer: ReturnType<typeof setTimeout> | undefined;

    const cleanup = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.removeListener('connect', onTcpConnect);
      socket.removeListener(options.tls === undefined ? 'connect' : 'secureConnect', onReady);
      socket.removeListener('error', onError);
      socket.removeListener('close', onClose);
    };
    const fail = (error: TcpPoolError) => {
      cleanup();
      // keep an 'error' listener: a late error on the dying socket must not crash the process
      socket.on('error', () => {});
      socket.destroy();
      reject(error);
    };
    const onTcpConnect = () => {
      tcpConnected = true;
    };
    const onReady = () => {
      cleanup();
      socket.setNoDelay(options.noDelay);
      socket.setKeepAlive(options.keepAlive, options.keepAliveInitialDelayMs);
      resolve(socket);
    };
    const onError = (error: unknown) => {
      if (options.tls !== undefined && tcpConnected) {
        fail(new TcpPoolError('TCP_TLS_FAILED', `TLS handshake with ${address} failed: ${describeError(error)}`, { cause: error, address }));
      } else {
        fail(new TcpPoolError('TCP_CONNECT_FAILED', `connect to ${address} failed: ${describeError(error)}`, { cause: error, address }));
      }
    };
    const onClose = () => {
      const phase = options.tls !== undefined && tcpConnected ? 'the TLS handshake finished' : 'it connected';
      fail(new TcpPoolError(tcpConnected ? 'TCP_TLS_FAILED' : 'TCP_CONNECT_FAILED', `connection to ${address} closed before ${phase}`, { address }));
    };
    const onAbort = () => {
      fail(new TcpPoolError('TCP_ABORTED', `connect to ${address} aborted: ${describeError(signal.reason)}`, { cause: signal.reason, address }));
    };

    socket.on('connect', onTcpConnect);
    socket.once(options.tls === undefined ? 'connect' : 'secureConnect', onReady);
    socket.on('error', onError);
    socket.on('close', onClose);
    signal.addEventListener('abort', onAbort, { once: true });
    if (options.connectTimeoutMs !== Infinity) {
      const ms = options.connectTimeoutMs;
      timer = setTimeout(() => {
        const what = options.tls !== undefined && tcpConnected ? 'the TLS handshake' : 'connect';
        fail(new TcpPoolError('TCP_CONNECT_TIMEOUT', `${what} to ${address} did not finish within ${ms} ms`, { address }));
      }, ms);
      timer.unref?.();
    }
  });
}
