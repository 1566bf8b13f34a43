/** The URL with its password replaced by `***` (and nothing else changed); non-URLs come back as given. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]+):([^@/]*)@/, '//$1:***@');
  }
}

/** Removes `secret` from `text` wherever it appears (error messages from drivers can echo it). */
export function scrub(text: string, secret: string | undefined): string {
  if (!secret) return text;
  return text.split(secret).join('***');
}

/** The password in a URL, if any (decoded), so messages can be scrubbed of it. */
export function passwordOf(url: string): string | undefined {
  try {
    const p = new URL(url).password;
    return p ? decodeURIComponent(p) : undefined;
  } catch {
    return undefined;
  }
}
