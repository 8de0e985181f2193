/**
 * The metric names of the exporters the chart deploys (values.yaml `exporters.*`), as their
 * projects document them, for the versions values.yaml pins. The rules and the dashboard may only
 * use these names on the exporters' jobs (test/deploy/exporters.spec.ts).
 */
export interface ExporterMetrics {
  /** The job label the chart's ServiceMonitor gives the exporter's series. */
  job: string;
  /** values.yaml key of the exporter. */
  values: 'redis' | 'mongodb';
  /** Release the names were taken from (the tag values.yaml pins). */
  version: string;
  metrics: readonly string[];
}

/**
 * percona/mongodb_exporter 0.44.0 run with --compatible-mode (templates/exporters.yaml). Source:
 * github.com/percona/mongodb_exporter, README.md ("--compatible-mode … exposes metrics with 0.1x
 * compatible metric names") and exporter/v1_compatibility.go: replSetMetrics() creates
 * mongodb_mongod_replset_member_replication_lag (seconds; labels set, name, state; secondaries
 * only, from replSetGetStatus in getDiagnosticData), and its conversions() table maps
 * mongodb_ss_opLatencies_{latency,ops} to mongodb_mongod_op_latencies_{latency,ops}_total (label
 * type = read|write|command). mongodb_up is the exporter's own connectivity gauge.
 */
export const MONGODB_EXPORTER: ExporterMetrics = {
  job: 'calendar-assistant-mongodb',
  values: 'mongodb',
  version: '0.44.0',
  metrics: [
    'mongodb_up',
    'mongodb_mongod_replset_member_replication_lag',
    'mongodb_mongod_replset_member_health',
    'mongodb_mongod_replset_member_state',
    'mongodb_mongod_replset_number_of_members',
    'mongodb_mongod_replset_oplog_head_timestamp',
    'mongodb_mongod_replset_oplog_tail_timestamp',
    'mongodb_mongod_op_latencies_latency_total',
    'mongodb_mongod_op_latencies_ops_total',
    'mongodb_mongod_connections',
    'mongodb_mongod_op_counters_total',
  ],
};

/**
 * oliver006/redis_exporter v1.67.0. Source: github.com/oliver006/redis_exporter, README.md
 * ("What's exported": every INFO field, counters with a _total suffix) and exporter/exporter.go's
 * metricMapGauges / metricMapCounters (used_memory → memory_used_bytes, maxmemory →
 * memory_max_bytes, evicted_keys → evicted_keys_total, …), all prefixed redis_. Debian's
 * prometheus-redis-exporter exports the same names; test/e2e/redis-exporter.e2e-spec.ts scrapes it.
 */
export const REDIS_EXPORTER: ExporterMetrics = {
  job: 'calendar-assistant-redis',
  values: 'redis',
  version: 'v1.67.0',
  metrics: [
    'redis_up',
    'redis_evicted_keys_total',
    'redis_expired_keys_total',
    'redis_keyspace_hits_total',
    'redis_keyspace_misses_total',
    'redis_memory_used_bytes',
    'redis_memory_max_bytes',
    'redis_connected_clients',
  ],
};

export const EXPORTERS: readonly ExporterMetrics[] = [MONGODB_EXPORTER, REDIS_EXPORTER];
