/**
 * How long a blocking command sent through `call()` may legitimately wait on the server, read from
 * its own arguments, so its deadline is that wait plus `queryTimeoutMs` as for the ready-made
 * helpers (`blpop`, `xread`, ...), and a legitimate block is never cut (cutting one closes the
 * connection and loses an element the server pops at that moment).
 */

type Args = readonly (string | Buffer | number)[];

const text = (value: unknown): string => (Buffer.isBuffer(value) ? value.toString('latin1') : String(value));

/** A timeout argument in seconds (a float since Redis 6.0): ms, or undefined when it is not a number >= 0. */
function seconds(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(text(value));
  return Number.isFinite(parsed) && parsed >= 0 ? parsed * 1000 : undefined;
}

function millis(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(text(value));
  return Number.isFinite(parsed) && parsed >= 0 ? parsed : undefined;
}

/** `XREAD`/`XREADGROUP ... BLOCK ms ... STREAMS`: the BLOCK option before STREAMS, if any (from `start`: past `GROUP group consumer`, names that may read BLOCK). */
function blockOption(args: Args, start = 0): number | undefined {
  for (let i = start; i < args.length; i++) {
    const word = text(args[i]).toUpperCase();
    if (word === 'STREAMS') return undefined;
    if (word === 'BLOCK') return millis(args[i + 1]);
  }
  return undefined;
}

/**
 * The server-side wait of `command args` in ms: `0` for "blocks for ever", undefined for a command
 * that does not block (or whose timeout does not parse: the plain deadline then applies).
 */
export function serverWaitMs(command: string, args: Args): number | undefined {
  switch (command.toUpperCase()) {
    case 'BLPOP':
    case 'BRPOP':
    case 'BZPOPMIN':
    case 'BZPOPMAX':
    case 'BRPOPLPUSH':
    case 'BLMOVE':
      return seconds(args.at(-1));
    case 'BLMPOP':
    case 'BZMPOP':
      return seconds(args[0]);
    case 'XREAD':
      return blockOption(args);
    case 'XREADGROUP':
      return blockOption(args, text(args[0]).toUpperCase() === 'GROUP' ? 3 : 0);
    case 'WAIT':
      return millis(args[1]);
    case 'WAITAOF':
      return millis(args[2]);
    default:
      return undefined;
  }
}
