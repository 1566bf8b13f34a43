import { redactUrl, scrubText, secretsOfUrl } from '@pool/core/adapter-kit';

/** Why a comparison is skipped: its server at `url` did not answer; the URL's password never shows, in the URL or the driver's message. */
export function unreachable(server: string, url: string, error: unknown, hint?: string): string {
  const message = scrubText(error instanceof Error ? error.message : String(error), secretsOfUrl(url));
  return `${server} at ${redactUrl(url)} is unreachable (${message})${hint ? `; ${hint}` : ''}`;
}
