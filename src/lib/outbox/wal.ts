import { closeSync, fstatSync, openSync, readSync } from 'fs';

/**
 * Reads a SQLite WAL file the way SQLite recovers it (https://sqlite.org/walformat.html)
 * and tells what SQLite would drop without a word: frames of the current
 * generation (same salts as the header) after one whose checksum fails. SQLite
 * stops at the first bad frame, so a damaged frame in the middle silently loses
 * every transaction committed after it. A torn last frame (power cut while
 * appending) has nothing after it and is not damage.
 */
export interface WalDamage {
  /** Committed transactions after the first bad frame, which recovery will drop. */
  lostCommits: number;
  /** Frame index (0-based) of the first bad frame. */
  at: number;
}

const HEADER = 32;
const FRAME_HEADER = 24;

function checksum(buf: Buffer, big: boolean, s: [number, number]): [number, number] {
  let [s0, s1] = s;
  for (let i = 0; i + 8 <= buf.length; i += 8) {
    const x0 = big ? buf.readUInt32BE(i) : buf.readUInt32LE(i);
    const x1 = big ? buf.readUInt32BE(i + 4) : buf.readUInt32LE(i + 4);
    s0 = (s0 + x0 + s1) >>> 0;
    s1 = (s1 + x1 + s0) >>> 0;
  }
  return [s0, s1];
}

export function walDamage(file: string): WalDamage | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined; // no WAL: nothing to recover
  }
  try {
    const size = fstatSync(fd).size;
    if (size < HEADER) return undefined;
    const header = Buffer.alloc(HEADER);
    readSync(fd, header, 0, HEADER, 0);
    const magic = header.readUInt32BE(0);
    if (magic !== 0x377f0682 && magic !== 0x377f0683) return undefined;
    const big = magic === 0x377f0683;
    const pageSize = header.readUInt32BE(8);
    if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) return undefined;
    const salt1 = header.readUInt32BE(16);
    const salt2 = header.readUInt32BE(20);
    let sum = checksum(header.subarray(0, 24), big, [0, 0]);
    const headerOk = sum[0] === header.readUInt32BE(24) && sum[1] === header.readUInt32BE(28);
    const frameSize = FRAME_HEADER + pageSize;
    const frames = Math.floor((size - HEADER) / frameSize);
    const frame = Buffer.alloc(frameSize);
    let bad = headerOk ? -1 : 0;
    let lostCommits = 0;
    for (let i = 0; i < frames; i++) {
      readSync(fd, frame, 0, frameSize, HEADER + i * frameSize);
      const current = frame.readUInt32BE(8) === salt1 && frame.readUInt32BE(12) === salt2;
      if (bad < 0) {
        if (!current) break; // the end of this generation: older frames follow, as SQLite leaves them
        sum = checksum(frame.subarray(FRAME_HEADER), big, checksum(frame.subarray(0, 8), big, sum));
        if (sum[0] !== frame.readUInt32BE(16) || sum[1] !== frame.readUInt32BE(20)) bad = i;
        else continue;
      }
      if (current && frame.readUInt32BE(4) !== 0) lostCommits += 1;
    }
    return bad >= 0 && lostCommits > 0 ? { lostCommits, at: bad } : undefined;
  } finally {
    closeSync(fd);
  }
}
