import { connect } from 'node:net';

/**
 * Sends one Redis command over a fresh connection and returns the raw reply's payload as text
 * (a simple string, an error as `-ERR ...`, an integer, or a bulk string's contents). Enough for
 * readiness probes and test set-up; not a client.
 */
export function redisCommand(port: number, args: readonly string[], options: { password?: string; timeoutMs?: number } = {}): Promise<string> {
  const encode = (parts: readonly string[]) => `*${parts.length}\r\n${parts.map((part) => `$${Buffer.byteLength(part)}\r\n${part}\r\n`).join('')}`;
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => finish(new Error(`no reply from redis on port ${port} within ${options.timeoutMs ?? 2_000} ms`)), options.timeoutMs ?? 2_000);
    let buffer = Buffer.alloc(0);
    let skipAuthReply = options.password !== undefined;
    function finish(error: Error | undefined, reply?: string): void {
      clearTimeout(timer);
      socket.destroy();
      if (error !== undefined) reject(error);
      else resolve(reply ?? '');
    }
    socket.once('connect', () => {
      socket.write((options.password !== undefined ? encode(['AUTH', options.password]) : '') + encode(args));
    });
    socket.on('data', (data: Buffer) => {
      buffer = Buffer.concat([buffer, data]);
      for (;;) {
        const end = buffer.indexOf('\r\n');
        if (end < 0) return;
        const head = buffer.subarray(0, end).toString();
        let reply: string;
        let used: number;
        if (head.startsWith('$')) {
          const length = Number(head.slice(1));
          if (length < 0) {
            reply = '';
            used = end + 2;
          } else {
            if (buffer.length < end + 2 + length + 2) return;
            reply = buffer.subarray(end + 2, end + 2 + length).toString();
            used = end + 2 + length + 2;
          }
        } else {
          reply = head.startsWith('+') || head.startsWith(':') ? head.slice(1) : head;
          used = end + 2;
        }
        buffer = buffer.subarray(used);
        if (skipAuthReply) {
          skipAuthReply = false;
          if (reply.startsWith('-')) return finish(new Error(`redis AUTH failed: ${reply.slice(1)}`));
          continue;
        }
        return finish(undefined, reply);
      }
    });
    socket.once('error', (error) => finish(error));
    socket.once('close', () => finish(new Error(`redis on port ${port} closed the connection`)));
  });
}
