import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip, createGzip } from 'node:zlib';
import { decryptStream, encryptStream, isEncrypted } from './encryption';

export interface FileDigest {
  sha256: string;
  bytes: number;
  lines: number;
}

/** Lines are gathered into chunks of about this size before they reach gzip. */
const CHUNK_CHARS = 64 * 1024;

/** Hashes and counts the bytes flowing through. */
function digestTap(): { tap: Transform; digest: () => { sha256: string; bytes: number } } {
  const hash = createHash('sha256');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  return { tap, digest: () => ({ sha256: hash.digest('hex'), bytes }) };
}

/**
 * The file's bytes as written before encryption: decrypted with `key` when the file is encrypted.
 * `encrypted` (from the manifest), when given, must match what the file is.
 */
async function plainSource(file: string, key: Buffer | undefined, encrypted?: boolean): Promise<Readable> {
  const handle = await open(file, 'r');
  const head = Buffer.alloc(4);
  try {
    await handle.read(head, 0, head.length, 0);
  } finally {
    await handle.close();
  }
  const isSealed = isEncrypted(head);
  if (encrypted !== undefined && encrypted !== isSealed)
    throw new Error(
      encrypted ? 'is not encrypted, the manifest says it is' : 'is encrypted, the manifest says it is not',
    );
  const source = createReadStream(file);
  if (!isSealed) return source;
  if (!key) throw new Error('is encrypted: set BACKUP_ENCRYPTION_KEY to the key it was written with');
  const decrypt = decryptStream(key);
  source.on('error', (err) => decrypt.destroy(err));
  return source.pipe(decrypt);
}

/**
 * Streams `lines` (each without its newline) into a new gzipped file, with backpressure, and
 * returns the SHA-256 and size of the file as written and the number of lines. The file is
 * created exclusively and fsynced before this resolves. With `key` the gzip stream is encrypted
 * (see encryption.ts); the digest is of the encrypted file.
 */
export async function writeGzipLines(
  file: string,
  lines: AsyncIterable<string>,
  key?: Buffer,
): Promise<FileDigest> {
  const { tap, digest } = digestTap();
  let count = 0;
  async function* chunks() {
    let buffer = '';
    for await (const line of lines) {
      buffer += line + '\n';
      count++;
      if (buffer.length >= CHUNK_CHARS) {
        yield buffer;
        buffer = '';
      }
    }
    if (buffer) yield buffer;
  }
  const gzip = createGzip();
  const sink = createWriteStream(file, { flags: 'wx' });
  if (key) await pipeline(chunks, gzip, encryptStream(key), tap, sink);
  else await pipeline(chunks, gzip, tap, sink);
  const handle = await open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  return { ...digest(), lines: count };
}

/**
 * Reads a gzipped line file back (decrypting it with `key` when it is encrypted). Rejects when the
 * file is missing, is not gzip, is cut short, or ends in the middle of a line — a truncated file
 * never passes for a shorter whole one.
 */
export async function* readGzipLines(file: string, key?: Buffer): AsyncGenerator<string> {
  const source = await plainSource(file, key);
  const gunzip = createGunzip();
  source.on('error', (err) => gunzip.destroy(err));
  source.pipe(gunzip);
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of gunzip as AsyncIterable<Buffer>) {
    const parts = (rest + decoder.write(chunk)).split('\n');
    rest = parts.pop() ?? '';
    yield* parts;
  }
  rest += decoder.end();
  if (rest) throw new Error('ends in the middle of a line (truncated)');
}

/** SHA-256 and size of a file as stored. */
export async function hashFile(file: string): Promise<{ sha256: string; bytes: number }> {
  const { tap, digest } = digestTap();
  await pipeline(createReadStream(file), tap, new Writable({ write: (_c, _e, done) => done() }));
  return digest();
}

/**
 * Decompresses (and decrypts) a file to the end and counts its lines. Throws with a plain reason
 * when it is not gzip, is cut short, does not decrypt, or ends in the middle of a line.
 */
export async function countGzipLines(file: string, key?: Buffer, encrypted?: boolean): Promise<number> {
  let lines = 0;
  let last = 0x0a;
  const counter = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) lines++;
      if (chunk.length) last = chunk[chunk.length - 1];
      done();
    },
  });
  try {
    await pipeline(await plainSource(file, key, encrypted), createGunzip(), counter);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'Z_BUF_ERROR' || /unexpected end/i.test(e.message))
      throw new Error('is truncated (the gzip stream ends early)');
    if (e.code?.startsWith('Z_')) throw new Error(`does not decompress (${e.message})`);
    throw err;
  }
  if (last !== 0x0a) throw new Error('is truncated (it ends in the middle of a line)');
  return lines;
}
