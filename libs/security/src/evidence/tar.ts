import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import * as tar from 'tar-stream';

/**
 * Evidence archives as .tar.gz on tar-stream (pax headers for long or non-ASCII names, base-256
 * sizes past 8 GiB), readable by `tar -xzf`. Both directions stream, so an archive of a large audit
 * log never has to fit in memory.
 */

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

/** Writes a .tar.gz of regular files and returns the SHA-256 of the file written. */
export async function writeTarGz(
  file: string,
  sources: Iterable<TarSource> | AsyncIterable<TarSource>,
): Promise<string> {
  const hash = createHash('sha256');
  const pack = tar.pack();
  const written = pipeline(pack, createGzip(), hashing(hash), createWriteStream(file, { mode: 0o600 }));
  try {
    for await (const src of sources) await addEntry(pack, src);
    pack.finalize();
  } catch (err) {
    pack.destroy(err as Error);
    await written.catch(() => undefined);
    throw err;
  }
  await written;
  return hash.digest('hex');
}

/** Reads a .tar.gz member by member, hashing each; `keep(name)` decides which members' bytes to return. */
export async function readTarGz(
  file: string,
  keep: (name: string) => boolean = () => false,
): Promise<TarMember[]> {
  const extract = tar.extract();
  const feeding = pipeline(createReadStream(file), createGunzip(), extract);
  feeding.catch(() => undefined); // a failure here ends the iteration below with the same error
  const members: TarMember[] = [];
  try {
    for await (const entry of extract) {
      const { name, size, type } = entry.header;
      const hash = createHash('sha256');
      const kept: Buffer[] = [];
      const wanted = keep(name);
      for await (const chunk of entry as AsyncIterable<Buffer>) {
        hash.update(chunk);
        if (wanted) kept.push(chunk);
      }
      if (type !== 'file') continue; // only regular files are evidence
      members.push({
        name,
        size: size ?? 0,
        sha256: hash.digest('hex'),
        ...(wanted ? { data: Buffer.concat(kept) } : {}),
      });
    }
    await feeding;
  } catch (err) {
    throw readError(err as Error);
  }
  return members;
}

async function addEntry(pack: tar.Pack, src: TarSource): Promise<void> {
  const size = src.data ? src.data.length : src.size;
  if (size === undefined || (!src.data && !src.path)) throw new Error(`tar: ${src.name} has no data or size`);
  const header: Partial<tar.Header> & { name: string } = {
    name: src.name,
    size,
    mtime: src.mtime ?? new Date(),
    mode: src.mode ?? 0o644,
    type: 'file',
  };
  try {
    if (src.data) {
      const data = src.data;
      await new Promise<void>((resolve, reject) =>
        pack.entry(header, data, (err) => (err ? reject(err) : resolve())),
      );
    } else await pipeline(createReadStream(src.path!), pack.entry(header));
  } catch (err) {
    if ((err as Error).message === 'Size mismatch')
      throw new Error(`tar: ${src.name} changed while it was archived`);
    throw err;
  }
}

function hashing(hash: Hash): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
}

/** tar-stream's and zlib's messages, said the way an operator verifying evidence needs them. */
function readError(err: Error): Error {
  if (err.message.startsWith('Invalid tar header. Maybe'))
    return new Error('tar: a header checksum does not match (damaged archive)');
  if (err.message === 'Unexpected end of data' || (err as NodeJS.ErrnoException).code === 'Z_BUF_ERROR')
    return new Error('tar: the archive is truncated');
  return err.message.startsWith('tar: ') ? err : new Error(`tar: ${err.message}`);
}
