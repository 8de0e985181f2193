import { Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { RedisHealthIndicator } from '@app/cache';
import { AppConfig } from '@app/config';
import { MongoHealthIndicator } from '@app/database';
import { Gauge, InjectMetric, METRICS } from '@app/observability';
import type { HealthIndicatorResult } from '@nestjs/terminus';
import { DependencyCheck, HealthReport, OverallStatus } from './health.types';

/** How often the up/down gauges are refreshed between scrapes. */
const MONITOR_INTERVAL_MS = 5000;

/**
 * The one implementation of the health checks: the API's /health endpoints and the ops CLI's
 * `check …` commands both call it. Every dependency check is bounded by HEALTH_TIMEOUT_MS (≤ 1 s).
 */
@Injectable()
export class HealthService implements OnModuleInit, OnApplicationShutdown {
  private shuttingDown = false;
  private monitor?: NodeJS.Timeout;

  constructor(
    private readonly config: AppConfig,
    private readonly mongo: MongoHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    @InjectMetric(METRICS.mongodbUp) private readonly mongoUp: Gauge<string>,
    @InjectMetric(METRICS.redisUp) private readonly redisUp: Gauge<string>,
  ) {}

  onModuleInit(): void {
    this.monitor = setInterval(() => void this.dependencies(), MONITOR_INTERVAL_MS).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.monitor);
  }

  /** Readiness goes false as soon as shutdown starts, so the load balancer stops sending traffic. */
  markShuttingDown(): void {
    this.shuttingDown = true;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  async checkMongo(): Promise<DependencyCheck> {
    const result = await this.mongo.pingCheck('mongodb', this.config.healthTimeoutMs);
    this.mongoUp.set(result.mongodb.status === 'up' ? 1 : 0);
    return toCheck('mongodb', true, result);
  }

  async checkRedis(): Promise<DependencyCheck> {
    const result = await this.redis.pingCheck('redis', this.config.healthTimeoutMs);
    this.redisUp.set(result.redis.status === 'up' ? 1 : 0);
    return toCheck('redis', false, result);
  }

  async dependencies(): Promise<DependencyCheck[]> {
    return Promise.all([this.checkMongo(), this.checkRedis()]);
  }

  /** MongoDB down → unhealthy; Redis down → degraded (the API serves on without its cache). */
  async report(): Promise<HealthReport> {
    const [mongodb, redis] = await this.dependencies();
    return {
      status: overallStatus([mongodb, redis]),
      version: this.config.version,
      dependencies: { mongodb: mongodb.state, redis: redis.state },
    };
  }

  async ready(): Promise<{ ready: boolean; mongodb: DependencyCheck }> {
    const mongodb = await this.checkMongo();
    return { ready: !this.shuttingDown && mongodb.state === 'connected', mongodb };
  }
}

export function overallStatus(checks: DependencyCheck[]): OverallStatus {
  if (checks.some((c) => c.critical && c.state === 'disconnected')) return 'unhealthy';
  if (checks.some((c) => c.state === 'disconnected')) return 'degraded';
  return 'healthy';
}

function toCheck(
  name: DependencyCheck['name'],
  critical: boolean,
  result: HealthIndicatorResult,
): DependencyCheck {
  const r = result[name] as { status: string; latencyMs?: number; message?: string };
  return {
    name,
    critical,
    state: r.status === 'up' ? 'connected' : 'disconnected',
    ...(r.latencyMs !== undefined ? { latencyMs: r.latencyMs } : {}),
    ...(r.message ? { message: r.message } : {}),
  };
}
