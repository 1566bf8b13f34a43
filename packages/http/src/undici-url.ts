import { Client } from 'undici';

let urlSymbol: symbol | null | undefined;

/**
 * undici's private `kUrl` symbol (`Symbol('url')`), under which its `Client` and `Pool` keep their
 * origin URL. undici's `Agent#stats` reads `dispatcher[kUrl].origin` of every dispatcher that has
 * `stats`, so a pool made by an Agent's `factory` needs it. undici does not export it: it is found
 * once on a `Client` that never connects. Null when this undici has none (then nothing is set).
 */
function undiciUrlSymbol(): symbol | null {
  if (urlSymbol === undefined) {
    const probe = new Client('http://localhost');
    urlSymbol = Object.getOwnPropertySymbols(probe).find((symbol) => symbol.description === 'url') ?? null;
    void probe.destroy().catch(() => undefined);
  }
  return urlSymbol;
}

/** Gives `dispatcher` the origin URL undici's own pools carry, so `Agent#stats` can read it. */
export function setUndiciUrl(dispatcher: object, origin: string): void {
  const symbol = undiciUrlSymbol();
  if (symbol !== null) Object.defineProperty(dispatcher, symbol, { value: new URL(origin), enumerable: false });
}
