import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { backupKeyId, decryptStream, ENCRYPTED_CHUNK_BYTES, encryptStream, isEncrypted } from './encryption';

const key = randomBytes(32);

async function through(stream: NodeJS.ReadWriteStream, input: Buffer, pieces = 7): Promise<Buffer> {
  const out: Buffer[] = [];
  // Fed in uneven pieces: frames must not depend on how the bytes arrive.
  const step = Math.max(1, Math.ceil(input.length / pieces));
  const parts = Array.from({ length: Math.ceil(input.length / step) }, (_, i) =>
    input.subarray(i * step, (i + 1) * step),
  );
  await pipeline(
    Readable.from(parts),
    stream,
    new Writable({
      write(chunk: Buffer, _e, done) {
        out.push(chunk);
        done();
      },
    }),
  );
  return Buffer.concat(out);
}

const encrypt = (plain: Buffer, k = key) => through(encryptStream(k), plain);
const decrypt = (sealed: Buffer, k = key) => through(decryptStream(k), sealed, 13);

describe('backup file encryption (AES-256-GCM in authenticated chunks)', () => {
  it.each([
    ['empty', 0],
    ['one byte', 1],
    ['exactly one chunk', ENCRYPTED_CHUNK_BYTES],
    ['one chunk and a byte', ENCRYPTED_CHUNK_BYTES + 1],
    ['several chunks', 3 * ENCRYPTED_CHUNK_BYTES + 12_345],
  ])('round-trips %s (%d bytes)', async (_name, size) => {
    const plain = randomBytes(size);
    const sealed = await encrypt(plain);
    expect(isEncrypted(sealed)).toBe(true);
    expect(sealed.includes(plain.subarray(0, 64)) && size >= 64).toBe(false);
    expect((await decrypt(sealed)).equals(plain)).toBe(true);
  });

  it('encrypts the same data differently each time (a random nonce prefix per file)', async () => {
    const plain = randomBytes(1000);
    expect((await encrypt(plain)).equals(await encrypt(plain))).toBe(false);
  });

  it('detects a file cut at a chunk boundary, or anywhere else', async () => {
    const sealed = await encrypt(randomBytes(2 * ENCRYPTED_CHUNK_BYTES + 10));
    const firstChunkEnd = 12 + 5 + ENCRYPTED_CHUNK_BYTES + 16;
    await expect(decrypt(sealed.subarray(0, firstChunkEnd))).rejects.toThrow(/is truncated/);
    await expect(decrypt(sealed.subarray(0, sealed.length - 3))).rejects.toThrow(/is truncated/);
  });

  it('detects a flipped byte in a chunk, a dropped chunk and data appended after the end', async () => {
    const sealed = await encrypt(randomBytes(2 * ENCRYPTED_CHUNK_BYTES + 10));
    const flipped = Buffer.from(sealed);
    flipped[ENCRYPTED_CHUNK_BYTES + 40] ^= 0x01;
    await expect(decrypt(flipped)).rejects.toThrow(/chunk 1 fails authentication/);
    const chunk = 5 + ENCRYPTED_CHUNK_BYTES + 16;
    const dropped = Buffer.concat([sealed.subarray(0, 12), sealed.subarray(12 + chunk)]);
    await expect(decrypt(dropped)).rejects.toThrow(/chunk 0 fails authentication/);
    const finalFlagCleared = Buffer.from(sealed);
    finalFlagCleared[12 + 2 * chunk] = 0; // the final chunk posing as a middle one
    await expect(decrypt(finalFlagCleared)).rejects.toThrow(/chunk 2 fails authentication/);
    await expect(decrypt(Buffer.concat([sealed, sealed.subarray(12)]))).rejects.toThrow(
      /after its final chunk/,
    );
  });

  it('refuses another key, and a file that is not encrypted', async () => {
    const sealed = await encrypt(randomBytes(100));
    await expect(decrypt(sealed, randomBytes(32))).rejects.toThrow(/chunk 0 fails authentication/);
    await expect(decrypt(randomBytes(100))).rejects.toThrow(/is not an encrypted backup file/);
  });

  it('names a key by 8 bytes of its SHA-256, never the key', () => {
    const id = backupKeyId(key);
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(id).toBe(backupKeyId(Buffer.from(key)));
    expect(key.toString('hex')).not.toContain(id);
    expect(backupKeyId(randomBytes(32))).not.toBe(id);
  });
});
