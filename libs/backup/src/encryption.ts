import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { Transform, TransformCallback } from 'node:stream';

/**
 * Encryption at rest of backup data files: AES-256-GCM from node's crypto, in authenticated
 * chunks so a file of any size streams through in constant memory. Framing written here because
 * node's crypto has no streaming AEAD and no well-kept library does this framing for node
 * streams (libsodium's secretstream would add a native/wasm dependency for one format).
 *
 * File: MAGIC (4 bytes) | nonce prefix (8 random bytes), then chunks of
 *   flags (1 byte: 1 = final) | ciphertext length (uint32 BE) | ciphertext | GCM tag (16 bytes).
 * Chunk i's nonce is prefix | i (uint32 BE); its AAD is the header, i and the flags, so chunks
 * cannot be reordered, dropped, moved between files or the final one cut off unnoticed.
 */
export const ENCRYPTION_ALGORITHM = 'aes-256-gcm';
export const ENCRYPTED_CHUNK_BYTES = 64 * 1024;
const MAGIC = Buffer.from('CAE1', 'latin1');
const HEADER_BYTES = MAGIC.length + 8;
const FRAME_HEADER_BYTES = 5;
const TAG_BYTES = 16;
const FINAL = 1;

/** What names a key in a manifest: the first 8 bytes of its SHA-256, hex. Never the key. */
export function backupKeyId(key: Buffer): string {
  return createHash('sha256').update(key).digest().subarray(0, 8).toString('hex');
}

/** Whether a file's first bytes are those of an encrypted backup file. */
export function isEncrypted(head: Buffer): boolean {
  return head.length >= MAGIC.length && head.subarray(0, MAGIC.length).equals(MAGIC);
}

function nonceAndAad(header: Buffer, counter: number, flags: number): { iv: Buffer; aad: Buffer } {
  const n = Buffer.alloc(4);
  n.writeUInt32BE(counter);
  return {
    iv: Buffer.concat([header.subarray(MAGIC.length), n]),
    aad: Buffer.concat([header, n, Buffer.from([flags])]),
  };
}

/** Encrypts what flows through into the chunked format above. */
export function encryptStream(key: Buffer): Transform {
  const header = Buffer.concat([MAGIC, randomBytes(8)]);
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let counter = 0;
  const seal = (plain: Buffer, flags: number): Buffer => {
    const { iv, aad } = nonceAndAad(header, counter++, flags);
    const cipher = createCipheriv(ENCRYPTION_ALGORITHM, key, iv).setAAD(aad);
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    const frame = Buffer.alloc(FRAME_HEADER_BYTES);
    frame.writeUInt8(flags, 0);
    frame.writeUInt32BE(body.length, 1);
    return Buffer.concat([frame, body, cipher.getAuthTag()]);
  };
  return new Transform({
    construct(done) {
      this.push(header);
      done();
    },
    transform(chunk: Buffer, _enc, done) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      // Keep at least one byte back: the last chunk, however short, is the one marked final.
      while (pendingBytes > ENCRYPTED_CHUNK_BYTES) {
        const all = Buffer.concat(pending);
        this.push(seal(all.subarray(0, ENCRYPTED_CHUNK_BYTES), 0));
        pending = [all.subarray(ENCRYPTED_CHUNK_BYTES)];
        pendingBytes = pending[0].length;
      }
      done();
    },
    flush(done) {
      this.push(seal(Buffer.concat(pending), FINAL));
      done();
    },
  });
}

/** Why a file does not decrypt, naming no key material. */
export class DecryptionError extends Error {}

/** Decrypts the chunked format; errors on an altered, reordered or truncated file or a wrong key. */
export function decryptStream(key: Buffer): Transform {
  let buffered: Buffer = Buffer.alloc(0);
  let header: Buffer | undefined;
  let counter = 0;
  let ended = false;
  const step = (stream: Transform): void => {
    if (!header) {
      if (buffered.length < HEADER_BYTES) return;
      if (!isEncrypted(buffered)) throw new DecryptionError('is not an encrypted backup file');
      header = buffered.subarray(0, HEADER_BYTES);
      buffered = buffered.subarray(HEADER_BYTES);
    }
    while (buffered.length >= FRAME_HEADER_BYTES) {
      if (ended) throw new DecryptionError('has data after its final chunk (altered)');
      const flags = buffered.readUInt8(0);
      const length = buffered.readUInt32BE(1);
      if ((flags & ~FINAL) !== 0 || length > ENCRYPTED_CHUNK_BYTES)
        throw new DecryptionError(`chunk ${counter} has a bad frame (altered)`);
      const total = FRAME_HEADER_BYTES + length + TAG_BYTES;
      if (buffered.length < total) return;
      const { iv, aad } = nonceAndAad(header, counter, flags);
      const decipher = createDecipheriv(ENCRYPTION_ALGORITHM, key, iv).setAAD(aad);
      decipher.setAuthTag(buffered.subarray(FRAME_HEADER_BYTES + length, total));
      let plain: Buffer;
      try {
        plain = Buffer.concat([
          decipher.update(buffered.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + length)),
          decipher.final(),
        ]);
      } catch {
        throw new DecryptionError(`chunk ${counter} fails authentication (altered, or another key)`);
      }
      stream.push(plain);
      buffered = buffered.subarray(total);
      counter++;
      if (flags & FINAL) ended = true;
    }
  };
  return new Transform({
    transform(this: Transform, chunk: Buffer, _enc, done: TransformCallback) {
      buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
      try {
        step(this);
        done();
      } catch (err) {
        done(err as Error);
      }
    },
    flush(done) {
      if (ended && !buffered.length) return done();
      if (ended) return done(new DecryptionError('has data after its final chunk (altered)'));
      done(new DecryptionError('is truncated (its final encrypted chunk is missing)'));
    },
  });
}
