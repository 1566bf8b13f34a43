import { describe, expect, it } from 'vitest';
import { serverPerFile } from '../src/index.js';

let started = 0;
const file = serverPerFile(async () => ({ n: ++started, dispose: async () => {} }), 'useFakeServer');
// read before the hooks ran, as a file that forgot use() would
const early = (() => {
  try {
    return file.server();
  } catch (error) {
    return error;
  }
})();
file.use();

describe('serverPerFile', () => {
  it('without use() having run, server() says which call is missing', () => {
    expect((early as Error).message).toBe('useFakeServer() was not called in this file');
  });

  it('starts one server for the file, the same in every test', () => {
    expect(file.server().n).toBe(1);
    expect(started).toBe(1);
  });

  it('is still that one', () => {
    expect(file.server().n).toBe(1);
  });
});
