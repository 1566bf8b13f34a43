/**
 * A copy of a driver error for one caller: the same class (prototype), message, stack and own fields
 * (`code`, `errno`, `sqlState`, `sqlMessage`, `fatal`, `cause`...), as a separate object.
 *
 * One failed connect can fail every caller waiting for it; each gets its own copy, as each gets its own
 * error from mysql2's pool, so the caller's stack put on one (mysql2's `trace`) is not the stack every
 * other caller sees, and a field a caller or an error tracker adds stays on that caller's error.
 */
export function copyError<E extends Error>(error: E): E {
  const copy = Object.create(Object.getPrototypeOf(error) as object) as E;
  for (const key of Reflect.ownKeys(error)) {
    const descriptor = Object.getOwnPropertyDescriptor(error, key);
    if (descriptor !== undefined) Object.defineProperty(copy, key, descriptor);
  }
  return copy;
}
