import { describe, expect, it } from 'vitest';
import { withAuthorization } from '../src/authorization.js';
import { backoffDelay } from '@pool/core/adapter-kit';
import { isIdempotent, isReplayableBody } from '../src/idempotent.js';
import { isFatalHttpError, isSocketClosedError } from '../src/is-fatal.js';
import { parseOrigin } from '../src/origin.js';
import { redactUrl } from '../src/index.js';

describe('parseOrigin', () => {
  it('normalises origins and keeps credentials apart', () => {
    expect(parseOrigin('http://example.test')).toMatchObject({ origin: 'http://example.test:80', port: 80, authorization: undefined });
    expect(parseOrigin('https://example.test/')).toMatchObject({ origin: 'https://example.test:443', port: 443 });
    expect(parseOrigin('http://[::1]:8080')).toMatchObject({ origin: 'http://[::1]:8080', hostname: '[::1]' });
    const withCredentials = parseOrigin('http://us%40er:p%3Ass@127.0.0.1:81');
    expect(withCredentials.display).toBe('http://us%40er:***@127.0.0.1:81');
    expect(withCredentials.authorization).toBe(`Basic ${Buffer.from('us@er:p:ss').toString('base64')}`);
  });

  it('redacts passwords in any text (the re-exported @pool/core routine)', () => {
    expect(redactUrl('a https://u:pw@h/x and redis://:pw2@h:1')).toBe('a https://u:***@h/x and redis://:***@h:1');
    expect(redactUrl('http://h:8080/no-credentials')).toBe('http://h:8080/no-credentials');
  });

  it('a URL that does not parse is refused at creation, its password nowhere', () => {
    for (const input of ['http://u:httpcanary1@h:99999', 'ftp://u:httpcanary1@h', 'not a url']) {
      let caught: unknown;
      try {
        parseOrigin(input);
      } catch (error) {
        caught = error;
      }
      expect((caught as { code?: string }).code).toBe('POOL_INVALID_OPTION');
      expect(`${(caught as Error).message}\n${(caught as Error).stack}`).not.toContain('httpcanary1');
    }
  });
});

describe('withAuthorization', () => {
  const auth = 'Basic abc';
  it('adds the header to every header shape undici accepts, unless one is set', () => {
    expect(withAuthorization(undefined, auth)).toEqual({ authorization: auth });
    expect(withAuthorization({ accept: '*/*' }, auth)).toEqual({ accept: '*/*', authorization: auth });
    expect(withAuthorization({ Authorization: 'Bearer t' }, auth)).toEqual({ Authorization: 'Bearer t' });
    expect(withAuthorization(['accept', '*/*'], auth)).toEqual(['accept', '*/*', 'authorization', auth]);
    expect(withAuthorization(['AUTHORIZATION', 'x'], auth)).toEqual(['AUTHORIZATION', 'x']);
    const pairs = new Map([['accept', '*/*']]);
    expect(withAuthorization(pairs, auth)).toEqual([['accept', '*/*'], ['authorization', auth]]);
  });
});

describe('retry classification', () => {
  it('knows the idempotent methods and honours undici\'s idempotent option', () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE', 'get']) expect(isIdempotent({ method, path: '/' })).toBe(true);
    for (const method of ['POST', 'PATCH', 'CONNECT']) expect(isIdempotent({ method, path: '/' })).toBe(false);
    expect(isIdempotent({ method: 'POST', path: '/', idempotent: true })).toBe(true);
    expect(isIdempotent({ method: 'GET', path: '/', idempotent: false })).toBe(false);
  });

  it('replays only bodies that can be sent twice', () => {
    expect(isReplayableBody(undefined)).toBe(true);
    expect(isReplayableBody('text')).toBe(true);
    expect(isReplayableBody(Buffer.from('x'))).toBe(true);
    expect(isReplayableBody((async function* () {})())).toBe(false);
  });

  it('sorts connection-level errors from the rest', () => {
    expect(isFatalHttpError({ code: 'UND_ERR_SOCKET' })).toBe(true);
    expect(isFatalHttpError({ code: 'ECONNRESET' })).toBe(true);
    expect(isFatalHttpError({ code: 'UND_ERR_ABORTED' })).toBe(false);
    expect(isFatalHttpError(new Error('x'))).toBe(false);
    expect(isSocketClosedError({ code: 'EPIPE' })).toBe(true);
    expect(isSocketClosedError({ code: 'UND_ERR_HEADERS_TIMEOUT' })).toBe(false);
  });
});

describe('backoffDelay (core\'s, shared through adapter-kit), as the origin probes use it', () => {
  it('grows exponentially between half and all of the step, capped at the maximum', () => {
    for (let failures = 1; failures < 13; failures++) {
      const step = Math.min(10_000, 250 * 2 ** (failures - 1));
      for (let i = 0; i < 50; i++) {
        const delay = backoffDelay(failures, 250, 10_000);
        expect(delay).toBeGreaterThanOrEqual(step / 2);
        expect(delay).toBeLessThanOrEqual(step);
      }
    }
  });
});
