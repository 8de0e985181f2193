import { PreconditionFailedError, ValidationError } from '@app/common';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Manifest, MANIFEST_FILE, ManifestSchema } from './manifest';

/** A folder name for a backup taken at `at`: sortable, and valid on every file system. */
export function timestampName(at = new Date()): string {
  return at.toISOString().replace(/:/g, '-');
}

/**
 * Where a backup is written until it is complete: a hidden sibling of its final folder, renamed
 * into place at the end, so a crash never leaves a folder that looks like a whole backup.
 */
export function partialDirFor(dir: string): string {
  return path.join(path.dirname(dir), `.${path.basename(dir)}.partial-${process.pid}`);
}

async function isDir(p: string): Promise<boolean> {
  return (await stat(p).catch(() => null))?.isDirectory() ?? false;
}

/**
 * The newest complete backup under `root` (the folder whose manifest was written last), ignoring
 * hidden folders (partial backups); undefined when there is none.
 */
export async function newestBackup(root: string): Promise<string | undefined> {
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  let newest: { dir: string; mtimeMs: number } | undefined;
  for (const e of entries) {
    if (!e.isDirectory() || e.name.startsWith('.')) continue;
    const dir = path.join(root, e.name);
    const manifest = await stat(path.join(dir, MANIFEST_FILE)).catch(() => null);
    if (manifest && (!newest || manifest.mtimeMs > newest.mtimeMs))
      newest = { dir, mtimeMs: manifest.mtimeMs };
  }
  return newest?.dir;
}

/** `--backup-dir` as given, or the newest backup under the configured folder. */
export async function resolveBackupDir(given: string | undefined, backupRoot: string): Promise<string> {
  if (given) return path.resolve(given);
  const newest = await newestBackup(path.resolve(backupRoot));
  if (!newest)
    throw new ValidationError(`no backup found under ${path.resolve(backupRoot)}; pass --backup-dir DIR`);
  return newest;
}

/**
 * Reads and validates a backup's manifest. A folder that does not exist is a usage error; one
 * without a readable, well-formed manifest is not a complete backup.
 */
export async function readManifest(dir: string): Promise<Manifest> {
  if (!(await isDir(dir))) throw new ValidationError(`backup folder ${dir} does not exist`);
  const file = path.join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new PreconditionFailedError(`${dir} is not a complete backup: ${MANIFEST_FILE} is missing`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new PreconditionFailedError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = ManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PreconditionFailedError(
      `${file} is not a backup manifest this version understands: ${issue.path.join('.') || '(root)'} ${issue.message}`,
    );
  }
  return parsed.data;
}

/** Refuses to write a backup over an existing, non-empty folder. */
export async function assertWritableTarget(dir: string): Promise<void> {
  const existing = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    if (err.code === 'ENOTDIR') throw new ValidationError(`--output ${dir} is a file`);
    throw err;
  });
  if (existing && existing.length)
    throw new ValidationError(`--output ${dir} already exists and is not empty; choose a new folder`);
}
