/**
 * Password redaction. Every error this package creates or passes on from a connect, ping or reset
 * goes through {@link sanitizeError}, so a password never reaches an error message, a stack, a pool
 * event or a log line. ioredis attaches the failing command (with its arguments) to a ReplyError:
 * for `AUTH` and `HELLO ... AUTH` those arguments are the credentials, so they are dropped.
 */

const MASK = '***';

/** `text` with every occurrence of every non-empty secret replaced by `***`. */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret !== '') out = out.split(secret).join(MASK);
  }
  // a URL with credentials, in case one slipped into a message
  return out.replace(/(rediss?:\/\/[^:/@\s]*):[^@/\s]+@/gi, `$1:${MASK}@`);
}

/** The URL with its password replaced by `***`. */
export function redactUrl(url: string): string {
  return redactText(url, []);
}

const copiedFields = ['code', 'errno', 'syscall', 'address', 'port'] as const;

/**
 * A copy of `error` safe to show: message and stack redacted, the failing command kept by name only.
 * The original (which may hold the password in `command.args`) is not kept as `cause`.
 */
export function sanitizeError(error: unknown, secrets: readonly string[]): Error {
  if (!(error instanceof Error)) return new Error(redactText(String(error), secrets));
  const copy = new Error(redactText(error.message, secrets));
  copy.name = error.name;
  copy.stack = redactText(error.stack ?? `${error.name}: ${error.message}`, secrets);
  const source = error as unknown as Record<string, unknown>;
  const target = copy as unknown as Record<string, unknown>;
  for (const field of copiedFields) {
    if (source[field] !== undefined) target[field] = source[field];
  }
  const command = source.command as { name?: unknown } | undefined;
  if (command !== undefined && typeof command === 'object' && command !== null && typeof command.name === 'string') {
    target.command = { name: command.name };
  }
  if (error.cause !== undefined) target.cause = sanitizeError(error.cause, secrets);
  return copy;
}
