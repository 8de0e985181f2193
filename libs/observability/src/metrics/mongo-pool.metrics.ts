import { Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Connection } from 'mongoose';
import { Gauge } from 'prom-client';
import { METRICS } from './metric-names';

/** Follows the MongoDB driver's connection pool (CMAP) events into two gauges. */
@Injectable()
export class MongoPoolMetrics {
  private size = 0;
  private inUse = 0;

  constructor(
    @InjectMetric(METRICS.mongodbPoolSize) private readonly sizeGauge: Gauge<string>,
    @InjectMetric(METRICS.mongodbPoolInUse) private readonly inUseGauge: Gauge<string>,
  ) {}

  attach(connection: Connection): void {
    const client = connection.getClient();
    client.on('connectionCreated', () => this.set(this.size + 1, this.inUse));
    client.on('connectionClosed', () => this.set(this.size - 1, this.inUse));
    client.on('connectionCheckedOut', () => this.set(this.size, this.inUse + 1));
    client.on('connectionCheckedIn', () => this.set(this.size, this.inUse - 1));
    client.on('connectionPoolCleared', () => this.set(this.size, 0));
  }

  /** The current pool use, for `ops check db-performance` and `check mongodb`. */
  snapshot(): { size: number; inUse: number } {
    return { size: this.size, inUse: this.inUse };
  }

  private set(size: number, inUse: number): void {
    this.size = Math.max(0, size);
    this.inUse = Math.max(0, inUse);
    this.sizeGauge.set(this.size);
    this.inUseGauge.set(this.inUse);
  }
}
