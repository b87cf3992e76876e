// Reads the zip archives FC's CreateFunction receives inline (code.zipFile, base64). No zip library
// is installed, and the emulator only ever needs to read stored and deflated entries, so this is a
// small central-directory reader on top of zlib. acp's product code writes zips with a library.
import { inflateRawSync } from 'node:zlib';

export interface ZipEntry {
  /** Path inside the archive, '/'-separated, never absolute. */
  path: string;
  content: Buffer;
  /** Unix permission bits when the archive recorded them (made on Unix), else undefined. */
  mode?: number;
}

const END_OF_CENTRAL_DIR = 0x06054b50;
const CENTRAL_FILE_HEADER = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;

/** Parses a zip archive; throws Error with a readable reason when it is not one we can read. */
export function readZip(archive: Buffer): ZipEntry[] {
  const eocd = findEndOfCentralDirectory(archive);
  const count = archive.readUInt16LE(eocd + 10);
  let at = archive.readUInt32LE(eocd + 16);
  if (at === 0xffffffff) throw new Error('zip64 archives are not supported');
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (at + 46 > archive.length || archive.readUInt32LE(at) !== CENTRAL_FILE_HEADER) {
      throw new Error('corrupt central directory');
    }
    const madeBy = archive.readUInt16LE(at + 4) >> 8;
    const method = archive.readUInt16LE(at + 10);
    const compressedSize = archive.readUInt32LE(at + 20);
    const size = archive.readUInt32LE(at + 24);
    const nameLength = archive.readUInt16LE(at + 28);
    const extraLength = archive.readUInt16LE(at + 30);
    const commentLength = archive.readUInt16LE(at + 32);
    const externalAttrs = archive.readUInt32LE(at + 38);
    const localOffset = archive.readUInt32LE(at + 42);
    const path = archive.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    at += 46 + nameLength + extraLength + commentLength;

    if (path.endsWith('/')) continue; // directory entry
    if (path.startsWith('/') || path.split('/').includes('..')) throw new Error(`unsafe path "${path}"`);
    if (archive.readUInt32LE(localOffset) !== LOCAL_FILE_HEADER) throw new Error(`corrupt entry "${path}"`);
    const dataStart =
      localOffset + 30 + archive.readUInt16LE(localOffset + 26) + archive.readUInt16LE(localOffset + 28);
    const data = archive.subarray(dataStart, dataStart + compressedSize);
    let content: Buffer;
    if (method === 0) content = Buffer.from(data);
    else if (method === 8) content = inflateRawSync(data);
    else throw new Error(`entry "${path}" uses unsupported compression method ${method}`);
    if (content.length !== size) throw new Error(`entry "${path}" has the wrong size`);
    // Host system 3 = Unix: the high 16 bits of the external attributes are st_mode.
    const unixMode = madeBy === 3 ? (externalAttrs >>> 16) & 0o777 : 0;
    entries.push({ path, content, ...(unixMode ? { mode: unixMode } : {}) });
  }
  return entries;
}

function findEndOfCentralDirectory(archive: Buffer): number {
  // The record is 22 bytes plus a comment of up to 64 KB, at the very end.
  const lowest = Math.max(0, archive.length - 22 - 0xffff);
  for (let i = archive.length - 22; i >= lowest; i--) {
    if (archive.readUInt32LE(i) === END_OF_CENTRAL_DIR) return i;
  }
  throw new Error('not a zip archive (no end of central directory record)');
}
