import { describe, expect, it } from 'vitest';
import { usePlainAndTlsServers, type SelfSigned } from '../src/index.js';

const starts: { tls?: SelfSigned }[] = [];
const servers = usePlainAndTlsServers(async (options) => {
  starts.push(options);
  return { tls: options.tls !== undefined, close: async () => {} };
});
const early = (() => {
  try {
    return servers.cert();
  } catch (error) {
    return error;
  }
})();

describe('usePlainAndTlsServers', () => {
  it('starts one plain server and one with the certificate it made', () => {
    expect(starts).toHaveLength(2);
    expect(servers.plain().tls).toBe(false);
    expect(servers.secure().tls).toBe(true);
    expect(starts[1]!.tls).toBe(servers.cert());
    expect(servers.cert().cert).toContain('BEGIN CERTIFICATE');
  });

  it('read before the hooks ran, it says so', () => {
    expect((early as Error).message).toContain('no certificate yet');
  });
});
