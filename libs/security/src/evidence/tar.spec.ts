import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { readTarGz, writeTarGz } from './tar';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('evidence tar.gz writer and reader', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'tar-spec-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips buffers and files of any size, and hashes what it wrote', async () => {
    const big = Buffer.alloc(70_000, 'x');
    writeFileSync(path.join(dir, 'big.bin'), big);
    const small = Buffer.from('{"a":1}\n');
    const file = path.join(dir, 'out.tar.gz');
    const archiveHash = await writeTarGz(file, [
      { name: 'small.json', data: small },
      { name: 'empty.txt', data: Buffer.alloc(0) },
      { name: 'block.bin', data: Buffer.alloc(512, 1) },
      { name: 'big.bin', path: path.join(dir, 'big.bin'), size: big.length },
    ]);
    expect(archiveHash).toBe(sha256(readFileSync(file)));
    const members = await readTarGz(file, (n) => n === 'small.json');
    expect(members.map((m) => [m.name, m.size, m.sha256])).toEqual([
      ['small.json', small.length, sha256(small)],
      ['empty.txt', 0, sha256(Buffer.alloc(0))],
      ['block.bin', 512, sha256(Buffer.alloc(512, 1))],
      ['big.bin', big.length, sha256(big)],
    ]);
    expect(members[0].data?.toString()).toBe('{"a":1}\n');
  });

  it('writes archives that tar(1) lists and extracts', async () => {
    const file = path.join(dir, 'out.tar.gz');
    await writeTarGz(file, [{ name: 'manifest.json', data: Buffer.from('{"ok":true}') }]);
    let listing: string;
    try {
      listing = execFileSync('tar', ['-tzf', file], { encoding: 'utf8' });
    } catch {
      return; // no tar(1) on this machine
    }
    expect(listing.trim()).toBe('manifest.json');
    execFileSync('tar', ['-xzf', file, '-C', dir]);
    expect(readFileSync(path.join(dir, 'manifest.json'), 'utf8')).toBe('{"ok":true}');
  });

  it('keeps names longer than 100 bytes and non-ASCII names, for itself and for tar(1)', async () => {
    const long = `${'audit-events-of-a-very-long-incident-window-'.repeat(4)}.jsonl`; // 181 bytes, no '/'
    const nested = `${'nested/'.repeat(30)}événements.json`;
    expect(Buffer.byteLength(long)).toBeGreaterThan(100);
    const file = path.join(dir, 'out.tar.gz');
    await writeTarGz(file, [
      { name: long, data: Buffer.from('long\n') },
      { name: nested, data: Buffer.from('nested\n') },
    ]);
    const members = await readTarGz(file, () => true);
    expect(members.map((m) => [m.name, m.data?.toString()])).toEqual([
      [long, 'long\n'],
      [nested, 'nested\n'],
    ]);
    let listing: string;
    try {
      listing = execFileSync('tar', ['-tzf', file], { encoding: 'utf8' });
    } catch {
      return; // no tar(1) on this machine
    }
    expect(listing.trim().split('\n')).toEqual([long, nested]);
    execFileSync('tar', ['-xzf', file, '-C', dir]);
    expect(readFileSync(path.join(dir, long), 'utf8')).toBe('long\n');
  });

  it('refuses a source whose file is not the size it was given', async () => {
    writeFileSync(path.join(dir, 'grew.txt'), 'longer than announced');
    await expect(
      writeTarGz(path.join(dir, 'out.tar.gz'), [
        { name: 'grew.txt', path: path.join(dir, 'grew.txt'), size: 4 },
      ]),
    ).rejects.toThrow(/grew\.txt changed while it was archived/);
  });

  it('refuses a damaged header and a truncated archive', async () => {
    const file = path.join(dir, 'out.tar.gz');
    await writeTarGz(file, [{ name: 'a.txt', data: Buffer.from('hello') }]);
    const tar = gunzipSync(readFileSync(file));
    const damaged = Buffer.from(tar);
    damaged[0] = 'b'.charCodeAt(0);
    writeFileSync(file, gzipSync(damaged));
    await expect(readTarGz(file)).rejects.toThrow(/checksum/);
    writeFileSync(file, gzipSync(tar.subarray(0, 512 + 3)));
    await expect(readTarGz(file)).rejects.toThrow(/truncated/);
  });
});
