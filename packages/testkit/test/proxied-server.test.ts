import { describe, expect, it } from 'vitest';
import { useProxiedServer, type FaultProxy } from '../src/index.js';
import { startEchoServer } from './echo-server.js';
import { connectTo, roundTrip } from './socket-helpers.js';

const { server, proxy } = useProxiedServer(startEchoServer);
const seen: FaultProxy[] = [];
// read at collection, before any hook ran
const early = (() => {
  try {
    return proxy();
  } catch (error) {
    return error;
  }
})();

describe.sequential('useProxiedServer', () => {
  it('puts a fault proxy in front of the file\'s server', async () => {
    seen.push(proxy());
    expect(proxy().port).not.toBe(server().port);
    const socket = await connectTo(proxy().port);
    try {
      expect(await roundTrip(socket, 'through the proxy')).toBe('through the proxy');
    } finally {
      socket.destroy();
    }
  });

  it('a fresh proxy for each test, the same server for the file', async () => {
    seen.push(proxy());
    expect(seen[1]).not.toBe(seen[0]);
    // the first test's proxy was closed after it: nothing listens on its port now
    await expect(connectTo(seen[0]!.port, 1_000)).rejects.toThrow();
    const socket = await connectTo(proxy().port);
    try {
      expect(await roundTrip(socket, 'again')).toBe('again');
    } finally {
      socket.destroy();
    }
  });
});

describe('useProxiedServer outside a test', () => {
  it('reading the proxy before the hooks ran throws, saying so', () => {
    expect(early).toBeInstanceOf(Error);
    expect((early as Error).message).toContain('no proxy yet');
  });
});
