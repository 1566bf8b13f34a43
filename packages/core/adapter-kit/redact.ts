/**
 * The one redaction routine every adapter uses: a password never reaches an error, a cause, an
 * event, a log line or `util.inspect` of a pool. Zero dependencies, so adapters share it through core.
 */

/** What replaces a secret in messages, stacks and URLs. */
export const REDACTED = '***';

const secretParam = /^(password|passwd|pass|pwd|sslpassword|secret|token|auth|access_token|api[_-]?key)$/i;

/**
 * A connection URL with its password (and any password-like query parameter) replaced by `***`.
 * Input that does not parse (a port of 99999, a stray space) is scrubbed by pattern: whatever stands
 * between `scheme://user:` and the last `@` of the authority is removed.
 */
export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password !== '') url.password = REDACTED;
    for (const key of [...url.searchParams.keys()]) {
      if (secretParam.test(key)) url.searchParams.set(key, REDACTED);
    }
    return url.toString();
  } catch {
    return redactUrlsIn(raw);
  }
}

/** Every `scheme://user:password@` in free text, with the password replaced. */
function redactUrlsIn(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):[^\s]*@/gi, `$1:${REDACTED}@`)
    .replace(/([?&](?:password|passwd|pass|pwd|sslpassword|secret|token)=)[^&\s#]*/gi, `$1${REDACTED}`);
}

/**
 * The password of a URL, raw and decoded, to scrub from errors: works on URLs that `new URL` refuses
 * too (the part between `user:` and the last `@` of the authority). Empty when there is none.
 */
export function secretsOfUrl(raw: string): string[] {
  const out: string[] = [];
  try {
    const url = new URL(raw);
    if (url.password !== '') out.push(url.password, safeDecode(url.password));
    for (const [key, value] of url.searchParams) if (secretParam.test(key) && value !== '') out.push(value);
  } catch {
    const match = /^[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:(.*)@[^@]*$/i.exec(raw.split(/[?#]/)[0] ?? raw);
    if (match?.[1]) out.push(match[1], safeDecode(match[1]));
  }
  return [...new Set(out.filter((s) => s.length > 0))];
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Every form a secret takes in text: as given, and URL-encoded as in a connection string. */
function forms(secret: string): string[] {
  const encoded = encodeURIComponent(secret);
  return encoded === secret ? [secret] : [secret, encoded];
}

/** `text` with every occurrence of each secret, and every URL password, replaced by `***`. */
export function scrubText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    for (const form of forms(secret)) {
      if (form.length > 0 && out.includes(form)) out = out.split(form).join(REDACTED);
    }
  }
  return redactUrlsIn(out);
}

/**
 * Removes the given secrets (and any URL password) from an error in place: its message, stack, every
 * own string property (pg's `detail`, mysql2's `sql`, `input` of a URL TypeError...), string arrays
 * and objects one level down (ioredis's `command.args`, `previousErrors`), its `cause` chain and
 * `errors` of an AggregateError. Returns the same error, so class and `code` stay the driver's own.
 */
export function scrubError<E>(error: E, secrets: readonly string[], seen: Set<unknown> = new Set()): E {
  if (typeof error !== 'object' || error === null || seen.has(error)) return error;
  seen.add(error);
  const record = error as Record<string, unknown>;
  for (const key of Object.getOwnPropertyNames(error)) {
    const value = record[key];
    if (typeof value === 'string') {
      const clean = scrubText(value, secrets);
      if (clean !== value) define(error, key, clean);
    } else if (Array.isArray(value) && value.some((item) => typeof item === 'string')) {
      const clean = value.map((item) => (typeof item === 'string' ? scrubText(item, secrets) : item));
      if (clean.some((item, i) => item !== value[i])) define(error, key, clean);
    } else if (key !== 'cause' && key !== 'errors' && typeof value === 'object' && value !== null && !(value instanceof Error)) {
      scrubPlain(value as Record<string, unknown>, secrets, seen);
    }
  }
  if ('cause' in record) scrubError(record.cause, secrets, seen);
  if (Array.isArray(record.errors)) for (const inner of record.errors) scrubError(inner, secrets, seen);
  return error;
}

/** Strings (and string arrays) of a plain object attached to an error, one level deep. */
function scrubPlain(target: Record<string, unknown>, secrets: readonly string[], seen: Set<unknown>): void {
  if (seen.has(target)) return;
  seen.add(target);
  for (const key of Object.keys(target)) {
    const value = target[key];
    if (typeof value === 'string') {
      const clean = scrubText(value, secrets);
      if (clean !== value) define(target, key, clean);
    } else if (Array.isArray(value)) {
      const clean = value.map((item) => (typeof item === 'string' ? scrubText(item, secrets) : item));
      if (clean.some((item, i) => item !== value[i])) define(target, key, clean);
    }
  }
}

function define(target: object, key: string, value: unknown): void {
  try {
    Object.defineProperty(target, key, {
      value,
      writable: true,
      configurable: true,
      enumerable: Object.prototype.propertyIsEnumerable.call(target, key),
    });
  } catch {
    // a frozen object keeps its text: nothing else can be done without replacing the error
  }
}
