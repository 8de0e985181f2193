export * from './metrics/metric-names';
export * from './metrics/observability-metrics.module';
export * from './metrics/mongo-pool.metrics';
export * from './metrics/http-metrics.hook';
export * from './logging/logging.module';
export { REDACTED_PATHS, requestIdFor } from './logging/request-context';
export { InjectMetric } from '@willsoto/nestjs-prometheus';
export type { Counter, Gauge, Histogram } from 'prom-client';
