/**
 * Redis Cluster key slots: CRC16 (XMODEM: polynomial 0x1021, initial 0) of the key, or of its hash
 * tag (the part between the first `{` and the next `}`, when not empty), modulo 16384.
 */

export const SLOT_COUNT = 16_384;

const table = new Uint16Array(256);
for (let byte = 0; byte < 256; byte++) {
  let crc = byte << 8;
  for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  table[byte] = crc;
}

/** CRC16-XMODEM of `bytes[start, end)`. */
export function crc16(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0;
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xffff) ^ (table[((crc >> 8) ^ (bytes[i] as number)) & 0xff] as number);
  return crc;
}

const OPEN = 0x7b; // {
const CLOSE = 0x7d; // }

/** The slot of a key (a string is hashed as its UTF-8 bytes, as Redis receives it). */
export function keySlot(key: string | Buffer | Uint8Array): number {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  let start = 0;
  let end = bytes.length;
  const open = bytes.indexOf(OPEN);
  if (open !== -1) {
    const close = bytes.indexOf(CLOSE, open + 1);
    // `{}` (an empty tag) hashes the whole key, as does a `{` without a `}` after it
    if (close > open + 1) {
      start = open + 1;
      end = close;
    }
  }
  return crc16(bytes, start, end) % SLOT_COUNT;
}
