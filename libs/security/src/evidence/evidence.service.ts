import { Injectable } from '@nestjs/common';
import { AuditService } from '@app/audit';
import { RedisStatsService } from '@app/cache';
import { ValidationError, withTimeout } from '@app/common';
import { AppConfig } from '@app/config';
import { DbDiagnosticsService } from '@app/database';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DenyListService } from '../deny-list/deny-list.service';
import { redactedConfig } from '../redact';
import { SuspiciousIpsService } from '../suspicious/suspicious-ips.service';
import { readTarGz, TarSource, writeTarGz } from './tar';

export const MANIFEST_NAME = 'manifest.json';
export const EVIDENCE_FORMAT = 'calendar-assistant-evidence/1';

export interface ManifestFile {
  name: string;
  bytes: number;
  sha256: string;
}

export interface EvidenceManifest {
  format: string;
  createdAt: string;
  window: { since: string; until: string };
  version: string;
  environment: string;
  host: string;
  files: ManifestFile[];
  /** Parts that could not be collected (the archive holds the rest). */
  errors: { file: string; error: string }[];
}

export interface EvidenceResult {
  archive: string;
  sha256: string;
  sha256File: string;
  auditEvents: number;
  manifest: EvidenceManifest;
}

export interface EvidenceVerification {
  ok: boolean;
  archive: string;
  sha256: string;
  /** From FILE.sha256 beside the archive, when there is one. */
  expectedSha256: string | null;
  files: { name: string; ok: boolean; expected: string | null; actual: string | null }[];
  problems: string[];
}

/**
 * Evidence archives for an incident: one .tar.gz with the audit log of the window (JSON lines), the
 * per-address security events, the deny list, the configuration with secrets redacted, database and
 * cache statistics, and manifest.json with every file's SHA-256. The archive's own SHA-256 is written
 * beside it as FILE.sha256 (`sha256sum -c` format). What cannot be collected (a database down) is listed
 * in the manifest's `errors` and the rest is still archived.
 */
@Injectable()
export class EvidenceService {
  constructor(
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly suspicious: SuspiciousIpsService,
    private readonly denyList: DenyListService,
    private readonly db: DbDiagnosticsService,
    private readonly redis: RedisStatsService,
  ) {}

  async preserve(opts: {
    outputDir: string;
    sinceMs: number;
    now?: Date;
    onProgress?: (text: string) => void;
  }): Promise<EvidenceResult> {
    const until = opts.now ?? new Date();
    const since = new Date(until.getTime() - opts.sinceMs);
    const progress = opts.onProgress ?? (() => undefined);
    await mkdir(opts.outputDir, { recursive: true });
    const staging = await mkdtemp(path.join(os.tmpdir(), 'evidence-'));
    try {
      const errors: EvidenceManifest['errors'] = [];
      const staged: ManifestFile[] = [];
      const stage = async (name: string, produce: () => Promise<unknown>) => {
        let value: unknown;
        try {
          value = await produce();
        } catch (err) {
          errors.push({ file: name, error: (err as Error).message });
          value = { error: (err as Error).message };
        }
        const bytes = Buffer.from(JSON.stringify(value, null, 2) + '\n');
        await writeFile(path.join(staging, name), bytes, { mode: 0o600 });
        staged.push({ name, bytes: bytes.length, sha256: sha256(bytes) });
      };

      progress(`reading the audit log from ${since.toISOString()} to ${until.toISOString()}`);
      let auditEvents = 0;
      try {
        auditEvents = await this.writeAuditLog(path.join(staging, 'audit-events.jsonl'), since, until, (n) =>
          progress(`  ${n} audit events`),
        );
      } catch (err) {
        // Whatever was read before the failure stays in the archive.
        errors.push({ file: 'audit-events.jsonl', error: (err as Error).message });
        if (!existsSync(path.join(staging, 'audit-events.jsonl'))) {
          await writeFile(path.join(staging, 'audit-events.jsonl'), '', { mode: 0o600 });
        }
      }
      staged.push(await describe(staging, 'audit-events.jsonl'));

      progress('collecting security events, deny list, configuration and statistics');
      await stage('security-events.json', () =>
        this.suspicious.find({ sinceMs: opts.sinceMs, threshold: 1, now: until }),
      );
      await stage('deny-list.json', () => withTimeout(this.denyList.list(), 5000, 'deny list'));
      await stage('config.json', async () => redactedConfig(this.config));
      await stage('database-stats.json', () => this.db.databaseStats());
      await stage('cache-stats.json', async () => {
        await this.redis.ensureConnected(2000);
        return this.redis.stats();
      });

      const manifest: EvidenceManifest = {
        format: EVIDENCE_FORMAT,
        createdAt: until.toISOString(),
        window: { since: since.toISOString(), until: until.toISOString() },
        version: this.config.version,
        environment: this.config.nodeEnv,
        host: os.hostname(),
        files: staged,
        errors,
      };
      const manifestBytes = Buffer.from(JSON.stringify(manifest, null, 2) + '\n');

      const stamp = until
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d+Z$/, 'Z');
      const archive = path.resolve(opts.outputDir, `evidence-${stamp}.tar.gz`);
      if (existsSync(archive)) throw new ValidationError(`${archive} already exists`);
      progress(`writing ${archive}`);
      const sources: TarSource[] = [
        { name: MANIFEST_NAME, data: manifestBytes, mtime: until, mode: 0o600 },
        ...staged.map((f) => ({
          name: f.name,
          path: path.join(staging, f.name),
          size: f.bytes,
          mtime: until,
          mode: 0o600,
        })),
      ];
      const digest = await writeTarGz(archive, sources);
      const sha256File = `${archive}.sha256`;
      await writeFile(sha256File, `${digest}  ${path.basename(archive)}\n`, { mode: 0o600 });
      return { archive, sha256: digest, sha256File, auditEvents, manifest };
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  /** Recomputes every member's SHA-256 against the manifest, and the archive's against FILE.sha256. */
  async verify(file: string): Promise<EvidenceVerification> {
    if (!existsSync(file)) throw new ValidationError(`no such file: ${file}`);
    const problems: string[] = [];
    const digest = await fileSha256(file);
    let expectedSha256: string | null = null;
    if (existsSync(`${file}.sha256`)) {
      expectedSha256 = (await readFile(`${file}.sha256`, 'utf8')).trim().split(/\s+/)[0] ?? '';
      if (expectedSha256 !== digest)
        problems.push(
          `the archive's SHA-256 is ${digest}, ${path.basename(file)}.sha256 says ${expectedSha256}`,
        );
    }
    const files: EvidenceVerification['files'] = [];
    let members;
    try {
      members = await readTarGz(file, (name) => name === MANIFEST_NAME);
    } catch (err) {
      problems.push(`the archive cannot be read: ${(err as Error).message}`);
      return { ok: false, archive: file, sha256: digest, expectedSha256, files, problems };
    }
    const manifestMember = members.find((m) => m.name === MANIFEST_NAME);
    let manifest: EvidenceManifest | null = null;
    try {
      manifest = manifestMember?.data
        ? (JSON.parse(manifestMember.data.toString('utf8')) as EvidenceManifest)
        : null;
    } catch {
      manifest = null;
    }
    if (!manifest || !Array.isArray(manifest.files)) {
      problems.push(`${MANIFEST_NAME} is missing or unreadable`);
      return { ok: false, archive: file, sha256: digest, expectedSha256, files, problems };
    }
    const actual = new Map(members.filter((m) => m.name !== MANIFEST_NAME).map((m) => [m.name, m]));
    for (const entry of manifest.files) {
      const member = actual.get(entry.name);
      const ok = !!member && member.sha256 === entry.sha256 && member.size === entry.bytes;
      files.push({ name: entry.name, ok, expected: entry.sha256, actual: member?.sha256 ?? null });
      if (!member) problems.push(`${entry.name} is listed in the manifest but missing`);
      else if (!ok) problems.push(`${entry.name} does not match its SHA-256 in the manifest`);
      actual.delete(entry.name);
    }
    for (const extra of actual.keys()) {
      files.push({ name: extra, ok: false, expected: null, actual: actual.get(extra)!.sha256 });
      problems.push(`${extra} is in the archive but not in the manifest`);
    }
    if (members.filter((m) => m.name === MANIFEST_NAME).length > 1)
      problems.push(`${MANIFEST_NAME} appears twice`);
    return { ok: problems.length === 0, archive: file, sha256: digest, expectedSha256, files, problems };
  }

  private async writeAuditLog(
    file: string,
    since: Date,
    until: Date,
    onProgress: (n: number) => void,
  ): Promise<number> {
    const out = createWriteStream(file, { mode: 0o600 });
    let n = 0;
    try {
      for await (const event of this.audit.window(since, until)) {
        const line = JSON.stringify({ ...event, at: event.at.toISOString() }) + '\n';
        if (!out.write(line)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
        if (++n % 10_000 === 0) onProgress(n);
      }
    } finally {
      await new Promise<void>((resolve, reject) =>
        out.end((err?: Error | null) => (err ? reject(err) : resolve())),
      );
    }
    return n;
  }
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function describe(dir: string, name: string): Promise<ManifestFile> {
  const file = path.join(dir, name);
  return { name, bytes: (await stat(file)).size, sha256: await fileSha256(file) };
}

async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
