import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';
import { TestEnvironment as NodeEnvironment } from 'jest-environment-node';
import { embedded, type ManagedService } from '../support/embedded';

/**
 * The e2e project's test environment: each test FILE gets a redis-server of its own on a free
 * loopback port (one starts in tens of milliseconds), so no file can flush or fill what another uses.
 * Its address reaches the file as TEST_REDIS_URL. A custom environment rather than setupFilesAfterEnv
 * hooks because Jest runs afterAll hooks in declaration order: a setup file's afterAll would stop the
 * server before the file's own afterAll closes the app still connected to it; an environment's
 * teardown runs after all of the file's hooks. (Not an ioredis keyPrefix: BullMQ refuses one.)
 */
export default class RedisPerFileEnvironment extends NodeEnvironment {
  private redis?: ManagedService;
  private dataDir?: string;

  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
  }

  override async setup(): Promise<void> {
    await super.setup();
    this.dataDir = mkdtempSync(path.join(os.tmpdir(), 'calendar-test-redis-'));
    this.redis = await embedded.createRedis({ dataDir: this.dataDir });
    await this.redis.start();
    (this.global.process as NodeJS.Process).env.TEST_REDIS_URL = this.redis.uri;
  }

  override async teardown(): Promise<void> {
    await this.redis?.stop();
    if (this.dataDir) rmSync(this.dataDir, { recursive: true, force: true });
    await super.teardown();
  }
}
