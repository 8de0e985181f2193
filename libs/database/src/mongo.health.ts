import { Injectable } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { withTimeout } from '@app/common';
import type { Connection } from 'mongoose';

/** Terminus indicator: a real MongoDB `ping` command (not just the driver's state), bounded by a timeout. */
@Injectable()
export class MongoHealthIndicator {
  constructor(
    @InjectConnection() private readonly connection: Connection,
    private readonly indicators: HealthIndicatorService,
  ) {}

  async pingCheck<K extends string>(key: K, timeoutMs: number): Promise<HealthIndicatorResult<K>> {
    const check = this.indicators.check(key);
    const started = performance.now();
    try {
      const ping = async () => {
        // A lazily opened connection (the ops CLI) may still be connecting: wait for it, within the bound.
        if (this.connection.readyState === 2) await this.connection.asPromise();
        const db = this.connection.db;
        if (!db) throw new Error('not connected');
        await db.command({ ping: 1 });
      };
      await withTimeout(ping(), timeoutMs, 'mongodb ping');
      return check.up({ latencyMs: Math.round((performance.now() - started) * 10) / 10 });
    } catch (err) {
      return check.down({ message: (err as Error).message });
    }
  }
}
