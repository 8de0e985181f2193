import {
  BSONRegExp,
  Binary,
  Decimal128,
  Double,
  EJSON,
  Int32,
  Long,
  MaxKey,
  MinKey,
  ObjectId,
  Timestamp,
} from 'bson';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { countGzipLines, hashFile, readGzipLines, writeGzipLines } from './gzip-lines';

async function* from<T>(items: T[]): AsyncGenerator<T> {
  yield* items;
}

async function collect(file: string): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of readGzipLines(file)) lines.push(line);
  return lines;
}

describe('gzipped Extended JSON lines', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'gzip-lines-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips every BSON type exactly, including those FerretDB cannot store', async () => {
    const doc = {
      _id: new ObjectId(),
      int: new Int32(5),
      double: new Double(5),
      negativeZero: new Double(-0),
      nan: new Double(NaN),
      long: Long.fromString('9007199254740993'),
      decimal: Decimal128.fromString('1234.5600'),
      date: new Date(-62198755200000),
      binary: new Binary(Buffer.from([0, 255, 10]), 0),
      uuid: new Binary(Buffer.alloc(16, 7), 4),
      timestamp: new Timestamp({ t: 1700000000, i: 3 }),
      regex: new BSONRegExp('^a.*\\n', 'im'),
      min: new MinKey(),
      max: new MaxKey(),
      nested: [[1, [2, { deep: [new Date(0)] }]], []],
      text: 'line\nbreak "quoted" — ü \u2028',
      nothing: null,
    };
    const file = path.join(dir, 'c.ejson.gz');
    const lines = [doc, { _id: 2 }].map((d) => EJSON.stringify(d, { relaxed: false }));
    const digest = await writeGzipLines(file, from(lines));

    expect(digest.lines).toBe(2);
    expect(await hashFile(file)).toEqual({ sha256: digest.sha256, bytes: digest.bytes });
    expect(await countGzipLines(file)).toBe(2);
    const back = await collect(file);
    expect(back).toEqual(lines);
    const parsed = EJSON.parse(back[0], { relaxed: false });
    expect(EJSON.stringify(parsed, { relaxed: false })).toBe(lines[0]);
    expect(parsed.decimal).toBeInstanceOf(Decimal128);
    expect(parsed.double).toBeInstanceOf(Double);
    expect(parsed.long).toBeInstanceOf(Long);
  });

  it('refuses to overwrite an existing file', async () => {
    const file = path.join(dir, 'x.gz');
    writeFileSync(file, 'x');
    await expect(writeGzipLines(file, from(['a']))).rejects.toThrow(/EEXIST/);
  });

  it('streams many lines without holding them', async () => {
    const file = path.join(dir, 'many.gz');
    async function* many() {
      for (let i = 0; i < 50_000; i++) yield JSON.stringify({ i, pad: 'x'.repeat(50) });
    }
    const digest = await writeGzipLines(file, many());
    expect(digest.lines).toBe(50_000);
    expect(await countGzipLines(file)).toBe(50_000);
  });

  it('names a truncated stream and a file cut mid-line', async () => {
    const file = path.join(dir, 't.gz');
    await writeGzipLines(
      file,
      from(Array.from({ length: 2000 }, (_, i) => `{"i":${i},"r":"${Math.random()}"}`)),
    );
    const bytes = readFileSync(file);
    const cut = path.join(dir, 'cut.gz');
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expect(countGzipLines(cut)).rejects.toThrow(/truncated/);
    await expect(collect(cut)).rejects.toThrow(/unexpected end/i);

    const midLine = path.join(dir, 'mid.gz');
    writeFileSync(midLine, gzipSync('{"a":1}\n{"b":'));
    await expect(countGzipLines(midLine)).rejects.toThrow(/middle of a line/);
    await expect(collect(midLine)).rejects.toThrow(/middle of a line/);
  });
});
