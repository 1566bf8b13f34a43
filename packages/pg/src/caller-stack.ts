/**
 * pg.Pool's promise forms (`query`, `connect`, `end`) take the stack of a rejection again where the
 * promise settles, so `err.stack` leads back through the caller's `await`s (`at async handler
 * (app.js:12)`) rather than to the socket read that parsed the server's reply (`TCP.onStreamRead`).
 * This does the same: the error object, its class, message and fields are kept; only `stack` is new.
 * The message was already cleared of the password, and the new stack is made from it.
 */
export function withCallerStack<T>(promise: Promise<T>): Promise<T> {
  return promise.catch(retakeStack);
}

// one function for every call: a handler written inline would be a new closure per query
function retakeStack(error: unknown): never {
  if (typeof error === 'object' && error !== null) {
    try {
      Error.captureStackTrace(error);
    } catch {
      // a frozen error keeps the stack it has
    }
  }
  throw error;
}
