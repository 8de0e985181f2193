/**
 * Every metric this application exports, in one place. Prometheus conventions: `_total` counters,
 * `_seconds` histograms in base units, bounded label sets. The alert rules and the Grafana
 * dashboard under deploy/ name these; a test checks that each one they use is really exported.
 */
export const METRICS = {
  httpRequests: 'http_requests_total',
  httpRequestDuration: 'http_request_duration_seconds',
  mongodbUp: 'mongodb_up',
  redisUp: 'redis_up',
  mongodbPoolSize: 'mongodb_connection_pool_size',
  mongodbPoolInUse: 'mongodb_connection_pool_in_use',
  authFailures: 'auth_failures_total',
  calendarOperations: 'calendar_operations_total',
  activeUsers: 'active_users',
  cacheRequests: 'cache_requests_total',
  webhookDeliveries: 'webhook_deliveries_total',
  webhookDeliveryDuration: 'webhook_delivery_duration_seconds',
  remindersFired: 'reminders_fired_total',
  reminderQueueDepth: 'reminder_queue_depth',
  reminderQueueLag: 'reminder_queue_lag_seconds',
  mailDeliveries: 'mail_deliveries_total',
  mailQueueDepth: 'mail_queue_depth',
  icsImports: 'ics_imports_total',
  assistantRequests: 'assistant_requests_total',
  assistantRequestDuration: 'assistant_request_duration_seconds',
  assistantLlmTokens: 'assistant_llm_tokens_total',
  assistantFallbacks: 'assistant_fallbacks_total',
  changesets: 'changesets_total',
  backupLastSuccess: 'backup_last_success_timestamp_seconds',
  backupRetained: 'backup_retained_count',
  backupOffsiteLastSuccess: 'backup_offsite_last_success_timestamp_seconds',
  rateLimitHits: 'rate_limit_hits_total',
} as const;

/** Latency buckets in seconds; 1 s is a boundary because the runbook's latency threshold is 1 s. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
