import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  S3Client,
  type _Object,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { DependencyUnavailableError, PreconditionFailedError, ValidationError } from '@app/common';
import { AppConfig } from '@app/config';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { partialDirFor, readManifest } from './backup-folder';
import { BackupFailedError } from './backup.errors';
import { Manifest, MANIFEST_FILE, manifestFiles, ManifestSchema } from './manifest';
import { noProgress, ProgressFn, throttled } from './progress';

/** Parts of a multipart upload: S3's minimum is 5 MiB; at most QUEUE_SIZE of them are in memory. */
export const UPLOAD_PART_BYTES = 8 * 1024 * 1024;
const QUEUE_SIZE = 4;

/** A backup folder name as `backup all` writes it (or `--output` named it): one path segment. */
const BACKUP_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export interface RemoteObject {
  /** Relative to the backup's folder, e.g. `mongodb/users.ejson.gz`. */
  file: string;
  bytes: number;
  lastModified: Date;
}

export interface RemoteBackup {
  name: string;
  /** `s3://bucket/prefix/name` */
  url: string;
  objects: RemoteObject[];
  bytes: number;
  lastModified: Date;
  /** The remote manifest, when there is one and it parses. */
  manifest?: Manifest;
  /** Why the copy is not whole (no manifest: an upload that did not finish; a file missing or of another size). */
  problems: string[];
}

export interface UploadResult {
  url: string;
  files: number;
  bytes: number;
  durationMs: number;
}

/** Check a name given on the command line (it becomes an S3 prefix and a local folder). */
export function assertBackupName(name: string): void {
  if (!BACKUP_NAME.test(name) || name.includes('..'))
    throw new ValidationError(
      `--from-s3 takes a backup name as \`backup list --remote\` shows it, e.g. 2026-03-02T02-17-00.000Z (got "${name}")`,
    );
}

/** Why the remote objects do not match the manifest, one line per file; empty when they do. */
export function remoteProblems(manifest: Manifest, objects: RemoteObject[]): string[] {
  const sizes = new Map(objects.map((o) => [o.file, o.bytes]));
  const problems: string[] = [];
  for (const f of manifestFiles(manifest)) {
    const size = sizes.get(f.file);
    if (size === undefined) problems.push(`${f.file} is missing`);
    else if (size !== f.bytes) problems.push(`${f.file} has ${size} bytes, the manifest says ${f.bytes}`);
  }
  return problems;
}

/**
 * The off-site copy (BACKUP_S3_URL): each backup folder becomes the objects under
 * `PREFIX/<name>/`, `manifest.json` written last and deleted first, so a remote folder with a
 * manifest is whole, as a local one is. Credentials come from the AWS SDK's default chain
 * (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, web identity, …); they never pass through here.
 */
@Injectable()
export class OffsiteStore implements OnModuleDestroy {
  private client?: S3Client;

  constructor(private readonly config: AppConfig) {}

  /** `s3://bucket/prefix`, or undefined when no off-site copy is configured. */
  get url(): string | undefined {
    return this.config.backupS3?.url;
  }

  onModuleDestroy(): void {
    this.client?.destroy();
  }

  private target(): { client: S3Client; bucket: string; prefix: string } {
    const s3 = this.config.backupS3;
    if (!s3)
      throw new ValidationError('BACKUP_S3_URL is not set: there is no off-site copy (s3://BUCKET/PREFIX)');
    this.client ??= new S3Client({
      region: s3.region,
      ...(s3.endpoint ? { endpoint: s3.endpoint } : {}),
      forcePathStyle: s3.forcePathStyle,
      maxAttempts: 3,
      // S3-compatible servers differ in the checksums they accept: send and check them only where S3 requires them.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: { connectionTimeout: 5000, requestTimeout: 120_000 },
    });
    return { client: this.client, bucket: s3.bucket, prefix: s3.prefix };
  }

  private folderKey(name: string): string {
    const { prefix } = this.target();
    return `${prefix ? prefix + '/' : ''}${name}/`;
  }

  private backupUrl(name: string): string {
    return `${this.url}/${name}`;
  }

  /** A failed S3 call as one line naming the target; the SDK's messages hold no credentials. */
  private unreachable(what: string, err: unknown): Error {
    const e = err as Error & { name?: string; $metadata?: { httpStatusCode?: number } };
    const status = e.$metadata?.httpStatusCode ? ` (HTTP ${e.$metadata.httpStatusCode})` : '';
    return new DependencyUnavailableError(`${what} ${this.url} failed: ${e.name}: ${e.message}${status}`);
  }

  /**
   * Uploads a complete local backup folder: every file the manifest lists (multipart above one
   * part), then the manifest, then checks the remote listing has each file at its size.
   */
  async upload(dir: string, progress: ProgressFn = noProgress): Promise<UploadResult> {
    const { client, bucket } = this.target();
    const startedAt = Date.now();
    const manifest = await readManifest(dir);
    const name = path.basename(dir);
    const base = this.folderKey(name);
    const files = [...manifestFiles(manifest).map((f) => f.file), MANIFEST_FILE];
    let total = 0;
    for (const [i, file] of files.entries()) {
      const local = path.join(dir, file);
      const size = (await stat(local)).size;
      const parts = Math.max(1, Math.ceil(size / UPLOAD_PART_BYTES));
      const say = throttled(progress);
      say(
        () =>
          `uploading ${file} (${i + 1}/${files.length}, ${size} bytes, ${parts} part${parts === 1 ? '' : 's'})…`,
        true,
      );
      const upload = new Upload({
        client,
        params: { Bucket: bucket, Key: base + file, Body: createReadStream(local), ContentLength: size },
        partSize: UPLOAD_PART_BYTES,
        queueSize: QUEUE_SIZE,
        leavePartsOnError: false,
      });
      upload.on('httpUploadProgress', (p) =>
        say(() => `uploading ${file}: ${p.loaded ?? 0} of ${size} bytes`),
      );
      try {
        await upload.done();
      } catch (err) {
        throw new BackupFailedError(
          `uploading ${file} to ${this.backupUrl(name)} failed: ${(err as Error).name}: ${(err as Error).message}`,
        );
      }
      total += size;
    }
    const remote = await this.objects(name);
    const problems = remoteProblems(manifest, remote);
    if (problems.length)
      throw new BackupFailedError(
        `the off-site copy ${this.backupUrl(name)} does not match the backup: ${problems.join('; ')}`,
      );
    return {
      url: this.backupUrl(name),
      files: files.length,
      bytes: total,
      durationMs: Date.now() - startedAt,
    };
  }

  /** Every object under `PREFIX/<name>/`. */
  private async objects(name: string): Promise<RemoteObject[]> {
    const base = this.folderKey(name);
    return (await this.listAll(base)).map((o) => ({
      file: o.Key!.slice(base.length),
      bytes: o.Size ?? 0,
      lastModified: o.LastModified ?? new Date(0),
    }));
  }

  private async listAll(prefix: string): Promise<_Object[]> {
    const { client, bucket } = this.target();
    const all: _Object[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
        );
        all.push(...(page.Contents ?? []).filter((o) => o.Key));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    } catch (err) {
      throw this.unreachable('listing', err);
    }
    return all;
  }

  /** The backups under the prefix, newest name first, each with its manifest and what is wrong with it. */
  async list(): Promise<RemoteBackup[]> {
    const root = this.folderKey('').slice(0, -1);
    const byName = new Map<string, RemoteObject[]>();
    for (const o of await this.listAll(root)) {
      const rest = o.Key!.slice(root.length);
      const slash = rest.indexOf('/');
      if (slash <= 0) continue; // an object beside the backups, not in one
      const name = rest.slice(0, slash);
      byName.set(name, [
        ...(byName.get(name) ?? []),
        { file: rest.slice(slash + 1), bytes: o.Size ?? 0, lastModified: o.LastModified ?? new Date(0) },
      ]);
    }
    const backups: RemoteBackup[] = [];
    for (const [name, objects] of byName) {
      const backup: RemoteBackup = {
        name,
        url: this.backupUrl(name),
        objects,
        bytes: objects.reduce((n, o) => n + o.bytes, 0),
        lastModified: new Date(Math.max(...objects.map((o) => o.lastModified.getTime()))),
        problems: [],
      };
      if (!objects.some((o) => o.file === MANIFEST_FILE))
        backup.problems.push(`no ${MANIFEST_FILE}: an upload that did not finish (or one in progress)`);
      else {
        try {
          backup.manifest = await this.readManifest(name);
          backup.problems.push(...remoteProblems(backup.manifest, objects));
        } catch (err) {
          if (err instanceof DependencyUnavailableError) throw err;
          backup.problems.push((err as Error).message);
        }
      }
      backups.push(backup);
    }
    return backups.sort((a, b) => b.name.localeCompare(a.name));
  }

  private async readManifest(name: string): Promise<Manifest> {
    const { client, bucket } = this.target();
    let text: string;
    try {
      const res = await client.send(
        new GetObjectCommand({ Bucket: bucket, Key: this.folderKey(name) + MANIFEST_FILE }),
      );
      text = (await res.Body?.transformToString('utf8')) ?? '';
    } catch (err) {
      throw this.unreachable(`reading ${name}/${MANIFEST_FILE} from`, err);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new PreconditionFailedError(`${MANIFEST_FILE} is not valid JSON: ${(err as Error).message}`);
    }
    const parsed = ManifestSchema.safeParse(json);
    if (!parsed.success)
      throw new PreconditionFailedError(`${MANIFEST_FILE} is not a backup manifest this version understands`);
    return parsed.data;
  }

  /**
   * Downloads the backup `name` into `target` (which must not exist) through a hidden partial
   * folder renamed at the end. It is not verified here: restores verify what they read.
   */
  async download(name: string, target: string, progress: ProgressFn = noProgress): Promise<string> {
    assertBackupName(name);
    const { client, bucket } = this.target();
    const dir = path.resolve(target);
    if (await stat(dir).catch(() => null))
      throw new ValidationError(
        `${dir} already exists: restore it with --backup-dir ${dir}, or move it away to download ${name} again`,
      );
    const objects = await this.objects(name);
    if (!objects.length)
      throw new ValidationError(
        `there is no backup ${name} under ${this.url} (see \`ops backup list --remote\`)`,
      );
    if (!objects.some((o) => o.file === MANIFEST_FILE))
      throw new PreconditionFailedError(
        `${this.backupUrl(name)} is not a complete backup: ${MANIFEST_FILE} is missing (the upload did not finish)`,
      );
    const partial = partialDirFor(dir);
    await mkdir(partial, { recursive: true });
    try {
      for (const [i, o] of objects.entries()) {
        const local = path.resolve(partial, o.file);
        if (!local.startsWith(partial + path.sep))
          throw new PreconditionFailedError(
            `${this.backupUrl(name)} holds an object outside its folder: ${o.file}`,
          );
        progress(`downloading ${o.file} (${i + 1}/${objects.length}, ${o.bytes} bytes)…`);
        await mkdir(path.dirname(local), { recursive: true });
        let body: Readable;
        try {
          const res = await client.send(
            new GetObjectCommand({ Bucket: bucket, Key: this.folderKey(name) + o.file }),
          );
          body = res.Body as Readable;
        } catch (err) {
          throw this.unreachable(`downloading ${name}/${o.file} from`, err);
        }
        await pipeline(body, createWriteStream(local, { flags: 'wx' }));
      }
      await rename(partial, dir);
    } catch (err) {
      await rm(partial, { recursive: true, force: true });
      throw err;
    }
    return dir;
  }

  /** Deletes the backup `name`: the manifest first, so a crash leaves an incomplete copy, never one that looks whole. */
  async remove(name: string): Promise<void> {
    const { client, bucket } = this.target();
    const base = this.folderKey(name);
    const keys = (await this.objects(name)).map((o) => base + o.file);
    const manifest = base + MANIFEST_FILE;
    const batches = [keys.filter((k) => k === manifest), keys.filter((k) => k !== manifest)];
    try {
      for (const batch of batches)
        for (let i = 0; i < batch.length; i += 1000) {
          const res = await client.send(
            new DeleteObjectsCommand({
              Bucket: bucket,
              Delete: { Objects: batch.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true },
            }),
          );
          const failed = res.Errors ?? [];
          if (failed.length)
            throw new BackupFailedError(
              `deleting ${name} from ${this.url} failed for ${failed.length} object(s): ` +
                failed.map((e) => `${e.Key}: ${e.Code} ${e.Message}`).join('; '),
            );
        }
    } catch (err) {
      if (err instanceof BackupFailedError) throw err;
      throw this.unreachable(`deleting ${name} from`, err);
    }
  }
}
