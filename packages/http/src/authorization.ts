import type { Dispatcher } from 'undici';

type Headers = Dispatcher.DispatchOptions['headers'];

function hasAuthorization(names: Iterable<string>): boolean {
  for (const name of names) if (name.toLowerCase() === 'authorization') return true;
  return false;
}

/** Returns `headers` with `authorization` added when the request sets none (origins given with `user:pass@`). */
export function withAuthorization(headers: Headers, authorization: string): Headers {
  if (headers === undefined || headers === null) return { authorization };
  if (Array.isArray(headers)) {
    if (headers.length > 0 && Array.isArray(headers[0])) {
      const pairs = headers as unknown as [string, string | string[]][];
      return hasAuthorization(pairs.map(([name]) => name)) ? headers : ([...pairs, ['authorization', authorization]] as unknown as Headers);
    }
    const flat = headers as string[];
    const names = flat.filter((_, index) => index % 2 === 0);
    return hasAuthorization(names) ? headers : [...flat, 'authorization', authorization];
  }
  if (typeof (headers as Iterable<unknown>)[Symbol.iterator] === 'function') {
    const pairs = [...(headers as Iterable<[string, string | string[] | undefined]>)];
    return hasAuthorization(pairs.map(([name]) => name)) ? pairs : [...pairs, ['authorization', authorization]];
  }
  const record = headers as Record<string, string | string[] | undefined>;
  return hasAuthorization(Object.keys(record)) ? headers : { ...record, authorization };
}
