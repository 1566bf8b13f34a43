/**
 * Makes a property non-enumerable: the value stays readable, but `console.log`, `util.inspect` and
 * `JSON.stringify` skip it. For credentials a pool must keep (an origin's `Basic` authorization).
 */
export function hide<T extends object>(target: T, key: keyof T & string): T {
  Object.defineProperty(target, key, { value: target[key], enumerable: false, writable: false, configurable: true });
  return target;
}
