/** Stable codes of {@link DemoError}. */
export type DemoErrorCode = 'DEMO_BAD_FLAG' | 'DEMO_UNREACHABLE' | 'DEMO_SETUP_FAILED';

/** A failure the demo explains to its user and exits on (never carrying a password). */
export class DemoError extends Error {
  readonly code: DemoErrorCode;

  constructor(code: DemoErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DemoError';
    this.code = code;
  }
}

/** Exit status for each code: 2 for usage errors, 3 for unreachable services, 1 otherwise. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof DemoError) return error.code === 'DEMO_BAD_FLAG' ? 2 : error.code === 'DEMO_UNREACHABLE' ? 3 : 1;
  return 1;
}
