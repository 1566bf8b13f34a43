/** What replaces a secret in messages, stacks and URLs. */
export const REDACTED = '***';

/** A connection URL with its password replaced by `***` (unparseable input is scrubbed by pattern). */
export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password !== '') url.password = REDACTED;
    for (const key of [...url.searchParams.keys()]) {
      if (/^(password|sslpassword)$/i.test(key)) url.searchParams.set(key, REDACTED);
    }
    return url.toString();
  } catch {
    return raw.replace(/\/\/([^:/@]*):[^@/]*@/, `//$1:${REDACTED}@`);
  }
}

/** Every form a secret can take in text: as given, and URL-encoded as it appears in a connection string. */
function forms(secret: string): string[] {
  const encoded = encodeURIComponent(secret);
  return encoded === secret ? [secret] : [secret, encoded];
}

/** Replaces every occurrence of each secret in `text`. */
export function scrubText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    for (const form of forms(secret)) {
      if (form.length > 0 && out.includes(form)) out = out.split(form).join(REDACTED);
    }
  }
  return out;
}

/**
 * Removes the given secrets from an error in place: its message, stack, every own string property
 * (pg's `detail`, `hint`, `where`...) and its `cause` chain. Returns the same error, so a server that
 * echoes the password back can never put it in front of the caller, a log or an event.
 */
export function scrubError<E>(error: E, secrets: readonly string[], seen: Set<unknown> = new Set()): E {
  if (secrets.length === 0 || typeof error !== 'object' || error === null || seen.has(error)) return error;
  seen.add(error);
  const record = error as Record<string, unknown>;
  for (const key of Object.getOwnPropertyNames(error)) {
    const value = record[key];
    if (typeof value !== 'string') continue;
    const clean = scrubText(value, secrets);
    if (clean === value) continue;
    try {
      Object.defineProperty(error, key, { value: clean, writable: true, configurable: true, enumerable: Object.prototype.propertyIsEnumerable.call(error, key) });
    } catch {
      // a frozen error keeps its text; nothing else we can do without losing it
    }
  }
  if ('cause' in record) scrubError(record.cause, secrets, seen);
  if (Array.isArray(record.errors)) for (const inner of record.errors) scrubError(inner, secrets, seen);
  return error;
}
