import { describe, expect, it } from 'vitest';
import { crc16, keySlot } from '../src/index.js';
import { isNotExecuted, redirectOf } from '../src/cluster-redirect.js';

describe('keySlot (CRC16-XMODEM mod 16384, hash tags)', () => {
  it('matches the reference values of the Redis Cluster specification', () => {
    expect(crc16(Buffer.from('123456789'))).toBe(0x31c3);
    expect(keySlot('foo')).toBe(12182);
    expect(keySlot('bar')).toBe(5061);
    expect(keySlot('')).toBe(0);
  });

  it('hashes only the first non-empty {tag}', () => {
    expect(keySlot('{user1000}.following')).toBe(keySlot('user1000'));
    expect(keySlot('{user1000}.followers')).toBe(keySlot('user1000'));
    expect(keySlot('foo{}{bar}')).toBe(crc16(Buffer.from('foo{}{bar}')) % 16384); // `{}` first: the whole key
    expect(keySlot('foo{}{bar}')).not.toBe(keySlot('bar'));
    expect(keySlot('foo{{bar}}zap')).toBe(keySlot('{bar'));
    expect(keySlot('foo{bar}{zap}')).toBe(keySlot('bar'));
    expect(keySlot('x{y')).toBe(crc16(Buffer.from('x{y')) % 16384);
  });

  it('hashes strings as UTF-8 and buffers as they are', () => {
    expect(keySlot('ü€')).toBe(keySlot(Buffer.from('ü€', 'utf8')));
    expect(keySlot(Buffer.from([0xff, 0x7b, 0x61, 0x7d]))).toBe(keySlot('a'));
  });
});

describe('redirects', () => {
  const reply = (message: string, extra: object = {}) => Object.assign(new Error(message), { name: 'ReplyError' }, extra);

  it('reads MOVED and ASK, with an empty host meaning the node asked', () => {
    expect(redirectOf(reply('MOVED 3999 127.0.0.1:6381'), 'h')).toEqual({ kind: 'MOVED', slot: 3999, address: { host: '127.0.0.1', port: 6381 }, key: '127.0.0.1:6381' });
    expect(redirectOf(reply('ASK 12 :7001'), '10.0.0.5')).toMatchObject({ kind: 'ASK', slot: 12, key: '10.0.0.5:7001' });
    expect(redirectOf(reply('WRONGTYPE Operation against a key'), 'h')).toBeUndefined();
  });

  it('finds the MOVED behind an EXECABORT', () => {
    const error = reply('EXECABORT Transaction discarded because of previous errors.', { previousErrors: [reply('MOVED 5 127.0.0.1:7002')] });
    expect(redirectOf(error, 'h')).toMatchObject({ kind: 'MOVED', slot: 5, key: '127.0.0.1:7002' });
  });

  it('knows which replies mean "not executed"', () => {
    expect(isNotExecuted(reply('UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)'))).toBe(true);
    expect(isNotExecuted(reply('TRYAGAIN Multiple keys request during rehashing of slot'))).toBe(true);
    expect(isNotExecuted(reply('CLUSTERDOWN The cluster is down'))).toBe(true);
    expect(isNotExecuted(new Error('Connection is closed.'))).toBe(false);
  });
});
