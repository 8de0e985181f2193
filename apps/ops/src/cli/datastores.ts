import type { INestApplicationContext } from '@nestjs/common';
import { getConnectionToken } from '@nestjs/mongoose';
import { RedisService } from '@app/cache';
import { CONNECT_WAIT_MS, connectedDb } from '@app/database';
import type { Connection } from 'mongoose';

/**
 * The CLI opens MongoDB and Redis while its own start-up holds the event loop; wait (each up to
 * CONNECT_WAIT_MS) until both are open before a command runs, so that on a loaded machine a check
 * measures the servers and not the CLI's start. A dependency that does not open is left for the
 * command to report in its own words.
 */
export async function awaitDatastores(app: INestApplicationContext): Promise<void> {
  const connection = app.get<Connection>(getConnectionToken(), { strict: false });
  const redis = app.get(RedisService, { strict: false });
  await Promise.allSettled([connectedDb(connection), redis.whenReady(CONNECT_WAIT_MS)]);
}
