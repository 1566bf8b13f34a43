import { TcpPoolError } from './errors.js';

/** How requests and replies are delimited on the wire. */
export type Framing = 'line' | 'length-prefixed';

/** What one framing needs: turn a payload into bytes, and cut one reply out of the incoming bytes. */
export interface FrameCodec {
  encode(payload: string | Uint8Array): Buffer;
  reader(): FrameReader;
}

/** Collects incoming chunks until one whole reply is there. */
export interface FrameReader {
  /** Adds a chunk; returns the reply body once complete (and `leftover` tells how many bytes followed it). Throws TCP_FRAME_TOO_LARGE. */
  push(chunk: Buffer): Buffer | undefined;
  /** Bytes received after the reply: unsolicited data. */
  readonly leftover: number;
}

const LF = 0x0a;
const CR = 0x0d;

function tooLarge(size: number, max: number): TcpPoolError {
  return new TcpPoolError('TCP_FRAME_TOO_LARGE', `reply frame of ${size}+ bytes exceeds maxFrameBytes (${max})`);
}

/** Lines ending in `\n` (a trailing `\r` is dropped from replies). A payload may not contain `\n`. */
export function lineCodec(maxFrameBytes: number): FrameCodec {
  return {
    encode(payload) {
      const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
      if (body.includes(LF)) throw new TcpPoolError('TCP_INVALID_PAYLOAD', 'a line payload may not contain a newline');
      if (body.length > maxFrameBytes) throw new TcpPoolError('TCP_INVALID_PAYLOAD', `payload of ${body.length} bytes exceeds maxFrameBytes (${maxFrameBytes})`);
      return Buffer.concat([body, Buffer.of(LF)]);
    },
    reader() {
      const chunks: Buffer[] = [];
      let size = 0;
      let leftover = 0;
      return {
        get leftover() {
          return leftover;
        },
        push(chunk) {
          const at = chunk.indexOf(LF);
          if (at === -1) {
            chunks.push(chunk);
            size += chunk.length;
            if (size > maxFrameBytes) throw tooLarge(size, maxFrameBytes);
            return undefined;
          }
          chunks.push(chunk.subarray(0, at));
          size += at;
          if (size > maxFrameBytes) throw tooLarge(size, maxFrameBytes);
          leftover = chunk.length - at - 1;
          const line = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
          return line.length > 0 && line[line.length - 1] === CR ? line.subarray(0, line.length - 1) : line;
        },
      };
    },
  };
}

/** A 4-byte big-endian unsigned length, then that many bytes. */
export function lengthPrefixedCodec(maxFrameBytes: number): FrameCodec {
  return {
    encode(payload) {
      const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
      if (body.length > maxFrameBytes) throw new TcpPoolError('TCP_INVALID_PAYLOAD', `payload of ${body.length} bytes exceeds maxFrameBytes (${maxFrameBytes})`);
      const frame = Buffer.allocUnsafe(4 + body.length);
      frame.writeUInt32BE(body.length, 0);
      body.copy(frame, 4);
      return frame;
    },
    reader() {
      const chunks: Buffer[] = [];
      let size = 0;
      let expected = -1;
      let leftover = 0;
      return {
        get leftover() {
          return leftover;
        },
        push(chunk) {
          chunks.push(chunk);
          size += chunk.length;
          if (expected === -1) {
            if (size < 4) return undefined;
            const head = chunks.length === 1 ? chunk : Buffer.concat(chunks, size);
            chunks.length = 0;
            chunks.push(head);
            expected = head.readUInt32BE(0);
            if (expected > maxFrameBytes) throw tooLarge(expected, maxFrameBytes);
          }
          if (size < 4 + expected) return undefined;
          const all = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
          leftover = size - 4 - expected;
          return all.subarray(4, 4 + expected);
        },
      };
    },
  };
}

/** The codec for a framing name. */
export function codecFor(framing: Framing, maxFrameBytes: number): FrameCodec {
  return framing === 'line' ? lineCodec(maxFrameBytes) : lengthPrefixedCodec(maxFrameBytes);
}
