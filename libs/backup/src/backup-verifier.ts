import { Injectable } from '@nestjs/common';
import { PreconditionFailedError, ValidationError } from '@app/common';
import { AppConfig } from '@app/config';
import path from 'node:path';
import { readManifest } from './backup-folder';
import { backupKeyId } from './encryption';
import { countGzipLines, hashFile } from './gzip-lines';
import { Component, Manifest, manifestFiles } from './manifest';
import { noProgress, ProgressFn } from './progress';

export interface FileCheck {
  label: string;
  file: string;
  bytes: number;
  lines: number;
  ok: boolean;
  problem?: string;
}

export interface VerifyReport {
  dir: string;
  ok: boolean;
  manifest?: Manifest;
  files: FileCheck[];
  /** Every problem found, each naming its file. */
  problems: string[];
}

/**
 * The key to read the backup in `dir` with: undefined for a backup that is not encrypted. A
 * missing or different key (told apart by its id) is one clear line, before any file is read.
 */
export function backupKeyFor(dir: string, manifest: Manifest, key: Buffer | undefined): Buffer | undefined {
  if (!manifest.encryption) return undefined;
  const wanted = manifest.encryption.keyId;
  if (!key)
    throw new PreconditionFailedError(
      `the backup in ${dir} is encrypted (key id ${wanted}): set BACKUP_ENCRYPTION_KEY to its key`,
    );
  if (backupKeyId(key) !== wanted)
    throw new PreconditionFailedError(
      `the backup in ${dir} is encrypted with key id ${wanted}, BACKUP_ENCRYPTION_KEY is key id ${backupKeyId(key)}: wrong key`,
    );
  return key;
}

/**
 * Re-reads a backup against its manifest: every file's SHA-256, that it decompresses to the end,
 * and that its line count matches. Restores run it before they touch anything.
 */
@Injectable()
export class BackupVerifier {
  constructor(private readonly config: AppConfig) {}

  async verify(
    dir: string,
    components?: Component[],
    progress: ProgressFn = noProgress,
  ): Promise<VerifyReport> {
    let manifest: Manifest;
    try {
      manifest = await readManifest(dir);
    } catch (err) {
      // A folder that does not exist is a usage error; a missing or bad manifest is a failed check.
      if (err instanceof ValidationError) throw err;
      return { dir, ok: false, files: [], problems: [(err as Error).message] };
    }
    const key = backupKeyFor(dir, manifest, this.config.backupEncryptionKey);
    const encrypted = !!manifest.encryption;
    const problems: string[] = [];
    for (const c of manifest.components) {
      if (!manifest[c])
        problems.push(`${path.join(dir, 'manifest.json')} lists ${c} but has no ${c} section`);
    }
    const wanted = manifestFiles(manifest).filter((f) => !components || components.includes(f.component));
    const files: FileCheck[] = [];
    for (const entry of wanted) {
      progress(`verifying ${entry.file}…`);
      const problem = await this.checkFile(dir, entry, key, encrypted);
      files.push({
        label: entry.label,
        file: entry.file,
        bytes: entry.bytes,
        lines: entry.lines,
        ok: !problem,
        ...(problem ? { problem } : {}),
      });
      if (problem) problems.push(`${entry.file} (${entry.label}) ${problem}`);
    }
    for (const c of manifest.mongodb?.collections ?? []) {
      if (c.documents !== c.lines)
        problems.push(`${c.file}: the manifest counts ${c.documents} documents but ${c.lines} lines`);
    }
    return { dir, ok: problems.length === 0, manifest, files, problems };
  }

  /** Why the file does not match its manifest entry, or undefined when it does. */
  private async checkFile(
    dir: string,
    entry: { file: string; sha256: string; bytes: number; lines: number },
    key: Buffer | undefined,
    encrypted: boolean,
  ): Promise<string | undefined> {
    const file = path.resolve(dir, entry.file);
    if (!file.startsWith(path.resolve(dir) + path.sep)) return 'lies outside the backup folder';
    let digest: { sha256: string; bytes: number };
    try {
      digest = await hashFile(file);
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'is missing' : (err as Error).message;
    }
    if (digest.bytes !== entry.bytes)
      return `has ${digest.bytes} bytes, the manifest says ${entry.bytes} (truncated or altered)`;
    if (digest.sha256 !== entry.sha256)
      return `fails its checksum (SHA-256 ${digest.sha256.slice(0, 12)}…, the manifest says ${entry.sha256.slice(0, 12)}…)`;
    let lines: number;
    try {
      lines = await countGzipLines(file, key, encrypted);
    } catch (err) {
      return (err as Error).message;
    }
    if (lines !== entry.lines) return `has ${lines} lines, the manifest says ${entry.lines}`;
    return undefined;
  }
}
