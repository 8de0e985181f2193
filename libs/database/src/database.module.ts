import { DynamicModule, Injectable, Module, OnModuleInit } from '@nestjs/common';
import { InjectConnection, MongooseModule } from '@nestjs/mongoose';
import { TerminusModule } from '@nestjs/terminus';
import { AppConfig } from '@app/config';
import { MongoPoolMetrics, ObservabilityMetricsModule } from '@app/observability';
import type { Connection } from 'mongoose';
import { MongoHealthIndicator } from './mongo.health';

export interface DatabaseModuleOptions {
  /**
   * Connect in the background instead of during start-up. The ops CLI uses it so that
   * `check mongodb` can report a dead database instead of failing to start.
   */
  lazy?: boolean;
}

/** Fail fast, never hang: no command buffering, short server selection, quick heartbeats. */
export const MONGOOSE_CONNECTION_OPTIONS = {
  bufferCommands: false,
  autoIndex: true,
  serverSelectionTimeoutMS: 1500,
  connectTimeoutMS: 2000,
  socketTimeoutMS: 30_000,
  heartbeatFrequencyMS: 1000,
  maxPoolSize: 20,
  retryWrites: false,
} as const;

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
            lazyConnection: options.lazy ?? false,
            // A lazy connection's first attempt is awaited by nobody: a refused or failed connect
            // must surface through the health checks, not crash the process as an unhandled rejection.
            connectionFactory: (connection: Connection) => {
              if (options.lazy) connection.asPromise().catch(() => undefined);
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
