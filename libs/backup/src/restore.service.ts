import { Injectable } from '@nestjs/common';
import { ConflictError, PreconditionFailedError, ValidationError } from '@app/common';
import { AppConfig } from '@app/config';
import os from 'node:os';
import path from 'node:path';
import { ApiConnections, ApiConnectionsProbe } from './api-connections';
import { readManifest } from './backup-folder';
import { BackupRun, BackupRunRepository } from './backup-runs.repository';
import { BackupVerifier } from './backup-verifier';
import { Component, Manifest, manifestFiles } from './manifest';
import {
  MongoBackupService,
  MongoRestoreResult,
  NonEmptyCollection,
  RestoreMode,
} from './mongo-backup.service';
import { noProgress, ProgressFn } from './progress';
import { RedisBackupService, RedisRestoreResult } from './redis-backup.service';

/** What a restore will do, once the backup is verified and the target inspected; shown before confirming. */
export interface RestorePlan {
  dir: string;
  manifest: Manifest;
  components: Component[];
  mode: RestoreMode;
  target: {
    mongodb?: { database: string; nonEmpty: NonEmptyCollection[] };
    redis?: { db: number; keys: number };
  };
  /** --force: restore although the API is (or may be) connected. */
  force: boolean;
  /** What each target says about the API's connections to it. */
  api: ApiConnections[];
}

export interface RestoreResult {
  dir: string;
  mode: RestoreMode;
  components: Component[];
  mongodb?: MongoRestoreResult;
  redis?: RedisRestoreResult;
  durationMs: number;
  warnings: string[];
}

/**
 * Restores a backup in two steps: `prepare` verifies every file against the manifest and inspects
 * the target (refusing a non-empty one unless told to drop or merge) without changing anything;
 * `execute` then restores and records the run.
 */
@Injectable()
export class RestoreService {
  constructor(
    private readonly config: AppConfig,
    private readonly verifier: BackupVerifier,
    private readonly mongo: MongoBackupService,
    private readonly redis: RedisBackupService,
    private readonly runs: BackupRunRepository,
    private readonly apiConnections: ApiConnectionsProbe,
  ) {}

  async prepare(
    opts: { dir: string; components?: Component[]; mode: RestoreMode; force?: boolean },
    progress: ProgressFn = noProgress,
  ): Promise<RestorePlan> {
    const dir = path.resolve(opts.dir);
    const manifest = await readManifest(dir);
    const components = opts.components ?? manifest.components;
    const absent = components.filter((c) => !manifest.components.includes(c));
    if (absent.length)
      throw new ValidationError(
        `${dir} holds no ${absent.join(' or ')} backup (it has: ${manifest.components.join(', ')})`,
      );
    const report = await this.verifier.verify(dir, components, progress);
    if (!report.ok)
      throw new PreconditionFailedError(
        `the backup in ${dir} does not match its manifest; nothing was changed:\n` +
          report.problems.map((p) => `  - ${p}`).join('\n'),
      );
    const plan: RestorePlan = {
      dir,
      manifest,
      components,
      mode: opts.mode,
      target: {},
      force: !!opts.force,
      api: [],
    };
    await this.inspectTarget(plan);
    await this.checkApi(plan);
    return plan;
  }

  async execute(plan: RestorePlan, progress: ProgressFn = noProgress): Promise<RestoreResult> {
    // The target may have changed while the operator read the confirmation prompt.
    await this.inspectTarget(plan);
    await this.checkApi(plan);
    const startedAt = new Date();
    const result: RestoreResult = {
      dir: plan.dir,
      mode: plan.mode,
      components: plan.components,
      durationMs: 0,
      warnings: apiWarnings(plan),
    };
    const run = (outcome: BackupRun['outcome'], error?: string): BackupRun => ({
      kind: 'restore',
      outcome,
      components: plan.components,
      path: plan.dir,
      startedAt,
      completedAt: new Date(),
      durationMs: Date.now() - startedAt.getTime(),
      bytes: manifestFiles(plan.manifest)
        .filter((f) => plan.components.includes(f.component))
        .reduce((n, f) => n + f.bytes, 0),
      documents: result.mongodb?.documents ?? 0,
      keys: result.redis?.restored ?? 0,
      appVersion: this.config.version,
      host: os.hostname(),
      ...(error ? { error } : {}),
    });
    try {
      if (plan.components.includes('mongodb') && plan.manifest.mongodb) {
        result.mongodb = await this.mongo.restore(plan.dir, plan.manifest.mongodb, plan.mode, progress);
        result.warnings.push(...result.mongodb.warnings);
      }
      if (plan.components.includes('redis') && plan.manifest.redis) {
        result.redis = await this.redis.restore(plan.dir, plan.manifest.redis, plan.mode, progress);
      }
    } catch (err) {
      await this.runs.record(run('failed', (err as Error).message)).catch(() => undefined);
      throw err;
    }
    const done = run('succeeded');
    result.durationMs = done.durationMs;
    await this.runs.record(done).catch((err: Error) => {
      result.warnings.push(`the run could not be recorded in backup_runs: ${err.message}`);
    });
    return result;
  }

  /**
   * Refuses while the API is connected to a target, or when a target cannot tell, unless --force:
   * the API's writes would race the restore (interleaved with it, or lost under --drop).
   */
  private async checkApi(plan: RestorePlan): Promise<void> {
    plan.api = [];
    for (const c of plan.components) plan.api.push(await this.apiConnections.check(c));
    if (plan.force) return;
    const connected = plan.api.filter((a) => a.known && a.connections > 0);
    if (connected.length)
      throw new ConflictError(
        `refusing to restore while the API is connected: ${connected.map(describeApi).join('; ')}. ` +
          `Its writes would race the restore; scale it to 0 first ` +
          `(kubectl -n calendar scale deploy/calendar-assistant --replicas=0) or pass --force; nothing was changed.`,
      );
    const unknown = plan.api.filter((a) => !a.known);
    if (unknown.length)
      throw new ConflictError(
        `cannot tell whether API pods are connected: ${unknown.map(describeApi).join('; ')}; ` +
          `stop them first or pass --force; nothing was changed.`,
      );
  }

  /** Fills in the target's state; refuses a target holding data unless the mode says what to do with it. */
  private async inspectTarget(plan: RestorePlan): Promise<void> {
    const refusals: string[] = [];
    if (plan.components.includes('mongodb')) {
      const nonEmpty = await this.mongo.nonEmptyCollections();
      plan.target.mongodb = { database: await this.mongo.databaseName(), nonEmpty };
      if (nonEmpty.length)
        refusals.push(
          `MongoDB database "${plan.target.mongodb.database}" is not empty (` +
            nonEmpty.map((c) => `${c.name}: ~${c.documents}`).join(', ') +
            ')',
        );
    }
    if (plan.components.includes('redis')) {
      plan.target.redis = { db: this.redis.db(), keys: await this.redis.keyCount() };
      if (plan.target.redis.keys)
        refusals.push(`Redis db ${plan.target.redis.db} is not empty (${plan.target.redis.keys} keys)`);
    }
    if (plan.mode === 'empty' && refusals.length)
      throw new ConflictError(
        `refusing to restore into a non-empty target: ${refusals.join('; ')}. Pass --drop to replace ` +
          `what the backup holds, or --merge to upsert by _id and overwrite keys; nothing was changed.`,
      );
  }
}

/** One target's answer, as a phrase. */
export function describeApi(a: ApiConnections): string {
  if (!a.known) return a.reason;
  const hosts = a.hosts.length ? ` from ${a.hosts.join(', ')}` : '';
  return `${a.component === 'mongodb' ? 'MongoDB' : 'Redis'} lists ${a.connections} API connection${a.connections === 1 ? '' : 's'}${hosts}`;
}

/** What --force went past, for the result's warnings. */
function apiWarnings(plan: RestorePlan): string[] {
  return plan.api
    .filter((a) => !a.known || a.connections > 0)
    .map(
      (a) =>
        `restored with --force although ${a.known ? describeApi(a) : `it could not be told whether the API is connected (${a.reason})`}`,
    );
}
