/** A pino-shaped logger: pino, bunyan, console-like objects all fit. Each method takes (object, message). */
export interface PoolLogger {
  debug(object: Record<string, unknown>, message: string): void;
  info(object: Record<string, unknown>, message: string): void;
  warn(object: Record<string, unknown>, message: string): void;
  error(object: Record<string, unknown>, message: string): void;
}
