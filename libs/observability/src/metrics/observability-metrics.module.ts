import { Global, Module } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { HttpMetricsHook } from './http-metrics.hook';
import { metricProviders } from './metrics.providers';
import { MongoPoolMetrics } from './mongo-pool.metrics';

/**
 * The Prometheus registry (default process metrics) and every metric of the app, global so any lib
 * can `@InjectMetric(METRICS.x)`. The API serves them on /metrics (MetricsController).
 */
@Global()
@Module({
  imports: [PrometheusModule.register({ path: '/metrics', defaultMetrics: { enabled: true } })],
  providers: [...metricProviders, MongoPoolMetrics, HttpMetricsHook],
  exports: [...metricProviders, MongoPoolMetrics],
})
export class ObservabilityMetricsModule {}
