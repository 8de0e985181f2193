import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { embedded } from '../support/embedded';

/**
 * One FerretDB and one Redis for the whole run, on free ports under a temporary folder. Test files
 * read their addresses from TEST_MONGODB_URI / TEST_REDIS_URL (workers inherit the environment)
 * and each takes its own database and Redis logical database.
 */
export default async function globalSetup(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'calendar-test-'));
  const services = await embedded.provideServices({ dataDir, reuse: false });
  (globalThis as Record<string, unknown>).__SERVICES__ = { services, dataDir };
  process.env.TEST_MONGODB_URI = services.env.MONGODB_URI;
  process.env.TEST_REDIS_URL = services.env.REDIS_URL;
}
