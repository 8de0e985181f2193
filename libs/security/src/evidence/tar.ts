import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';

/**
 * A small POSIX ustar writer and reader — enough for evidence archives of regular files (names up to
 * 100 bytes, no directories or links), readable by `tar -xzf`. Both stream, so an archive of a large
 * audit log never has to fit in memory.
 */

const BLOCK = 512;

export interface TarSource {
  name: string;
  /** Either the bytes, or a file and its exact size. */
  data?: Buffer;
  path?: string;
  size?: number;
  mtime?: Date;
  mode?: number;
}

export interface TarMember {
  name: string;
  size: number;
  sha256: string;
  /** The bytes, when the caller asked to keep this member. */
  data?: Buffer;
}

/** The archive's blocks, member by member, ending with the two zero blocks. */
export async function* tarBlocks(
  sources: Iterable<TarSource> | AsyncIterable<TarSource>,
): AsyncGenerator<Buffer> {
  for await (const src of sources) {
    const size = src.data ? src.data.length : (src.size ?? -1);
    if (size < 0) throw new Error(`tar: ${src.name} has no data or size`);
    yield header(src.name, size, src.mtime ?? new Date(), src.mode ?? 0o644);
    let written = 0;
    if (src.data) {
      yield src.data;
      written = src.data.length;
    } else if (src.path) {
      for await (const chunk of createReadStream(src.path)) {
        written += (chunk as Buffer).length;
        yield chunk as Buffer;
      }
    }
    if (written !== size) throw new Error(`tar: ${src.name} changed while it was archived`);
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (pad) yield Buffer.alloc(pad);
  }
  yield Buffer.alloc(BLOCK * 2);
}

/** Writes a .tar.gz and returns the SHA-256 of the file written. */
export async function writeTarGz(
  file: string,
  sources: Iterable<TarSource> | AsyncIterable<TarSource>,
): Promise<string> {
  const hash = createHash('sha256');
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  await pipeline(
    Readable.from(tarBlocks(sources)),
    createGzip(),
    tap,
    createWriteStream(file, { mode: 0o600 }),
  );
  return hash.digest('hex');
}

/** Reads a .tar.gz member by member, hashing each; `keep(name)` decides which members' bytes to return. */
export async function readTarGz(
  file: string,
  keep: (name: string) => boolean = () => false,
): Promise<TarMember[]> {
  const members: TarMember[] = [];
  for await (const m of readTar(createReadStream(file).pipe(createGunzip()), keep)) members.push(m);
  return members;
}

/** Parses a tar stream. Throws on a damaged header (bad checksum) or a truncated archive. */
export async function* readTar(
  source: AsyncIterable<Buffer | string>,
  keep: (name: string) => boolean = () => false,
): AsyncGenerator<TarMember> {
  const reader = new ChunkReader(source[Symbol.asyncIterator]());
  for (;;) {
    const head = await reader.take(BLOCK);
    if (!head) throw new Error('tar: the archive ends without its end-of-archive blocks');
    if (head.every((b) => b === 0)) return;
    const parsed = parseHeader(head);
    const hash = createHash('sha256');
    const kept: Buffer[] = [];
    const wanted = keep(parsed.name);
    let left = parsed.size;
    while (left > 0) {
      const chunk = await reader.takeUpTo(left);
      if (!chunk) throw new Error(`tar: ${parsed.name} is truncated`);
      hash.update(chunk);
      if (wanted) kept.push(chunk);
      left -= chunk.length;
    }
    const pad = (BLOCK - (parsed.size % BLOCK)) % BLOCK;
    if (pad && !(await reader.take(pad))) throw new Error(`tar: ${parsed.name} is truncated`);
    if (parsed.type !== '0' && parsed.type !== '\0') continue; // only regular files are evidence
    yield {
      name: parsed.name,
      size: parsed.size,
      sha256: hash.digest('hex'),
      ...(wanted ? { data: Buffer.concat(kept) } : {}),
    };
  }
}

function header(name: string, size: number, mtime: Date, mode: number): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`tar: name longer than 100 bytes: ${name}`);
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  octal(h, 100, 8, mode);
  octal(h, 108, 8, 0);
  octal(h, 116, 8, 0);
  octal(h, 124, 12, size);
  octal(h, 136, 12, Math.floor(mtime.getTime() / 1000));
  h.fill(0x20, 148, 156); // the checksum is computed with its own field as spaces
  h.write('0', 156, 1, 'ascii');
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  const sum = h.reduce((a, b) => a + b, 0);
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
  return h;
}

function octal(buf: Buffer, offset: number, length: number, value: number): void {
  const text = value.toString(8);
  if (text.length > length - 1) throw new Error(`tar: ${value} does not fit in ${length - 1} octal digits`);
  buf.write(text.padStart(length - 1, '0') + '\0', offset, length, 'ascii');
}

function parseHeader(h: Buffer): { name: string; size: number; type: string } {
  const stored = parseInt(field(h, 148, 8).trim() || '0', 8);
  const copy = Buffer.from(h);
  copy.fill(0x20, 148, 156);
  if (copy.reduce((a, b) => a + b, 0) !== stored)
    throw new Error('tar: a header checksum does not match (damaged archive)');
  const prefix = h.subarray(257, 263).toString('ascii') === 'ustar\0' ? field(h, 345, 155) : '';
  const name = field(h, 0, 100);
  return {
    name: prefix ? `${prefix}/${name}` : name,
    size: parseInt(field(h, 124, 12).trim() || '0', 8),
    type: String.fromCharCode(h[156]),
  };
}

function field(h: Buffer, offset: number, length: number): string {
  const raw = h.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? length : end).toString('utf8');
}

/** Exact-size reads over an async iterator of chunks. */
class ChunkReader {
  private buffered: Buffer = Buffer.alloc(0);
  private done = false;

  constructor(private readonly it: AsyncIterator<Buffer | string>) {}

  /** Exactly `n` bytes, or null when the stream ends first. */
  async take(n: number): Promise<Buffer | null> {
    while (this.buffered.length < n && (await this.fill()));
    if (this.buffered.length < n) return null;
    const out = this.buffered.subarray(0, n);
    this.buffered = this.buffered.subarray(n);
    return out;
  }

  /** Between 1 and `n` bytes, or null at the end of the stream. */
  async takeUpTo(n: number): Promise<Buffer | null> {
    if (this.buffered.length === 0 && !(await this.fill())) return null;
    const out = this.buffered.subarray(0, Math.min(n, this.buffered.length));
    this.buffered = this.buffered.subarray(out.length);
    return out;
  }

  private async fill(): Promise<boolean> {
    if (this.done) return false;
    const next = await this.it.next();
    if (next.done) {
      this.done = true;
      return false;
    }
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    return true;
  }
}
