import { DynamicModule, Injectable, Module, OnModuleInit } from '@nestjs/common';
import { InjectConnection, MongooseModule } from '@nestjs/mongoose';
import { TerminusModule } from '@nestjs/terminus';
import { AppConfig } from '@app/config';
import { MongoPoolMetrics, ObservabilityMetricsModule } from '@app/observability';
import type { Connection } from 'mongoose';
import {
  LONG_SERVER_SELECTION_TIMEOUT_MS,
  LONG_SOCKET_TIMEOUT_MS,
  MONGOOSE_CONNECTION_OPTIONS,
  REQUEST_SOCKET_TIMEOUT_MS,
} from './connection-options';
import { DbDiagnosticsService } from './diagnostics/db-diagnostics.service';
import { failFastPlugin } from './fail-fast.plugin';
import { MigrationRunner } from './migrations/migration.runner';
import { MongoHealthIndicator } from './mongo.health';

export interface DatabaseModuleOptions {
  /**
   * Connect in the background instead of during start-up. The ops CLI uses it so that
   * `check mongodb` can report a dead database instead of failing to start.
   */
  lazy?: boolean;
  /**
   * Let one MongoDB round trip take up to LONG_SOCKET_TIMEOUT_MS (the ops CLI: backups, restores,
   * index builds) and finding a server LONG_SERVER_SELECTION_TIMEOUT_MS. Without it each is bounded
   * as a request must be (REQUEST_SOCKET_TIMEOUT_MS, 1 s).
   */
  longOperations?: boolean;
}

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
            // Lets `ops restore` tell the API's connections from its own ($currentOp appName).
            appName: config.clientName,
            sanitizeFilter: true, // NoSQL injection: $-operators in filters need mongoose.trusted() (owasp-injection e2e)
            socketTimeoutMS: options.longOperations ? LONG_SOCKET_TIMEOUT_MS : REQUEST_SOCKET_TIMEOUT_MS,
            ...(options.longOperations ? { serverSelectionTimeoutMS: LONG_SERVER_SELECTION_TIMEOUT_MS } : {}),
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
      providers: [PoolMetricsAttacher, MongoHealthIndicator, DbDiagnosticsService, MigrationRunner],
      exports: [MongooseModule, MongoHealthIndicator, DbDiagnosticsService, MigrationRunner],
    };
  }
}
