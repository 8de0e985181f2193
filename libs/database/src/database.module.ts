import { DynamicModule, Injectable, Module, OnModuleInit } from '@nestjs/common';
import { InjectConnection, MongooseModule } from '@nestjs/mongoose';
import { TerminusModule } from '@nestjs/terminus';
import { AppConfig } from '@app/config';
import { MongoPoolMetrics, ObservabilityMetricsModule } from '@app/observability';
import type { Connection } from 'mongoose';
import { failFastPlugin } from './fail-fast.plugin';
import { MongoHealthIndicator } from './mongo.health';

export interface DatabaseModuleOptions {
  /**
   * Connect in the background instead of during start-up. The ops CLI uses it so that
   * `check mongodb` can report a dead database instead of failing to start.
   */
  lazy?: boolean;
  /**
   * Let one MongoDB round trip take up to LONG_SOCKET_TIMEOUT_MS (the ops CLI: backups, restores,
   * index builds). Without it each is bounded by REQUEST_SOCKET_TIMEOUT_MS, as a request must be.
   */
  longOperations?: boolean;
}

/**
 * Fail fast, never hang: no command buffering (a command with no server fails instead of
 * queueing), a short server selection (a dead database fails a request within about a second),
 * a bounded wait for a pooled connection, quick heartbeats (a returning database is found within
 * about a second, without a restart).
 */
export const MONGOOSE_CONNECTION_OPTIONS = {
  bufferCommands: false,
  autoIndex: true,
  serverSelectionTimeoutMS: 1000,
  connectTimeoutMS: 2000,
  waitQueueTimeoutMS: 2000,
  heartbeatFrequencyMS: 1000,
  maxPoolSize: 20,
  retryWrites: false,
} as const;

/**
 * The longest one MongoDB round trip may take on the request path: a database that hangs or
 * crawls costs a request this long at most (then 503 `database_unavailable`), never the server.
 */
export const REQUEST_SOCKET_TIMEOUT_MS = 5000;
/** The ops CLI's bound on one round trip: long work, but a hung database still ends the command. */
export const LONG_SOCKET_TIMEOUT_MS = 30_000;

@Injectable()
class PoolMetricsAttacher implements OnModuleInit {
  constructor(
    @InjectConnection() private readonly connection: Connection,
    private readonly pool: MongoPoolMetrics,
  ) {}

  onModuleInit(): void {
    if (this.connection.getClient()) this.pool.attach(this.connection);
    else this.connection.once('connected', () => this.pool.attach(this.connection));
  }
}

@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseModuleOptions = {}): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      imports: [
        ObservabilityMetricsModule,
        TerminusModule,
        MongooseModule.forRootAsync({
          inject: [AppConfig],
          useFactory: (config: AppConfig) => ({
            uri: config.mongodbUri,
            ...MONGOOSE_CONNECTION_OPTIONS,
            sanitizeFilter: true, // NoSQL injection: $-operators in filters need mongoose.trusted() (owasp-injection e2e)
            socketTimeoutMS: options.longOperations ? LONG_SOCKET_TIMEOUT_MS : REQUEST_SOCKET_TIMEOUT_MS,
            lazyConnection: options.lazy ?? false,
            // A lazy connection's first attempt is awaited by nobody: a refused or failed connect
            // must surface through the health checks, not crash the process as an unhandled rejection.
            connectionFactory: (connection: Connection) => {
              if (options.lazy) connection.asPromise().catch(() => undefined);
              connection.plugin(failFastPlugin);
              return connection;
            },
            retryAttempts: options.lazy ? 0 : 3,
            retryDelay: 1000,
          }),
        }),
      ],
      providers: [PoolMetricsAttacher, MongoHealthIndicator],
      exports: [MongooseModule, MongoHealthIndicator],
    };
  }
}
