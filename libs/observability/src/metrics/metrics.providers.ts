import { makeCounterProvider, makeGaugeProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import { LATENCY_BUCKETS, METRICS } from './metric-names';

/** The metric providers shared by every module; inject with `@InjectMetric(METRICS.x)`. */
export const metricProviders = [
  makeCounterProvider({
    name: METRICS.httpRequests,
    help: 'HTTP requests by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'],
  }),
  makeHistogramProvider({
    name: METRICS.httpRequestDuration,
    help: 'HTTP request duration in seconds by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'],
    buckets: LATENCY_BUCKETS,
  }),
  makeGaugeProvider({ name: METRICS.mongodbUp, help: '1 when the last MongoDB ping succeeded, else 0' }),
  makeGaugeProvider({ name: METRICS.redisUp, help: '1 when the last Redis PING succeeded, else 0' }),
  makeGaugeProvider({ name: METRICS.mongodbPoolSize, help: 'Open connections in the MongoDB driver pool' }),
  makeGaugeProvider({ name: METRICS.mongodbPoolInUse, help: 'MongoDB pool connections checked out' }),
  makeCounterProvider({
    name: METRICS.authFailures,
    help: 'Authentication failures by reason',
    labelNames: ['reason'],
  }),
  makeCounterProvider({
    name: METRICS.calendarOperations,
    help: 'Calendar operations by operation and outcome',
    labelNames: ['operation', 'outcome'],
  }),
  makeGaugeProvider({ name: METRICS.activeUsers, help: 'Distinct users seen in the last 5 minutes' }),
  makeCounterProvider({
    name: METRICS.cacheRequests,
    help: 'Cache lookups by cache and result (hit, miss, error)',
    labelNames: ['cache', 'result'],
  }),
  makeGaugeProvider({
    name: METRICS.backupLastSuccess,
    help: 'Unix time of the last successful backup (0 when none is recorded)',
  }),
  makeGaugeProvider({
    name: METRICS.backupRetained,
    help: 'Backups kept by the last `ops backup prune` (0 when none is recorded)',
  }),
  makeGaugeProvider({
    name: METRICS.backupOffsiteLastSuccess,
    help: 'Unix time of the last backup copied to BACKUP_S3_URL (0 when none is recorded)',
  }),
  makeCounterProvider({ name: METRICS.rateLimitHits, help: 'Requests refused by the rate limiter' }),
  makeCounterProvider({
    name: METRICS.webhookDeliveries,
    help: 'Webhook delivery attempts by outcome',
    labelNames: ['outcome'],
  }),
  makeHistogramProvider({
    name: METRICS.webhookDeliveryDuration,
    help: 'Webhook delivery duration in seconds',
    buckets: LATENCY_BUCKETS,
  }),
  makeCounterProvider({
    name: METRICS.remindersFired,
    help: 'Event reminders by channel and outcome (on_time, late, expired, stale, failed)',
    labelNames: ['channel', 'outcome'],
  }),
  makeGaugeProvider({
    name: METRICS.reminderQueueDepth,
    help: 'Reminder jobs in Redis not yet done (scheduled, due or running), sampled every 15 s',
  }),
  makeGaugeProvider({
    name: METRICS.reminderQueueLag,
    help: 'Seconds the most overdue reminder job has been waiting past its due time (0: none overdue)',
  }),
  makeCounterProvider({
    name: METRICS.mailDeliveries,
    help: 'Mail send attempts by outcome (sent; retrying: failed, will be retried; failed: gave up)',
    labelNames: ['outcome'],
  }),
  makeGaugeProvider({
    name: METRICS.mailQueueDepth,
    help: 'Mails in Redis not yet sent (waiting, retrying or sending), sampled every 15 s',
  }),
  makeCounterProvider({
    name: METRICS.icsImports,
    help: 'iCalendar imports by outcome',
    labelNames: ['outcome'],
  }),
  makeCounterProvider({
    name: METRICS.assistantRequests,
    help: 'Assistant requests by interpreter, intent and outcome',
    labelNames: ['interpreter', 'intent', 'outcome'],
  }),
  makeHistogramProvider({
    name: METRICS.assistantRequestDuration,
    help: 'Assistant request duration in seconds',
    labelNames: ['interpreter'],
    buckets: LATENCY_BUCKETS,
  }),
  makeCounterProvider({
    name: METRICS.assistantLlmTokens,
    help: 'LLM tokens used by the assistant, by type (prompt, completion)',
    labelNames: ['type'],
  }),
  makeCounterProvider({
    name: METRICS.assistantFallbacks,
    help: 'LLM interpreter fallbacks to the offline interpreter, by reason',
    labelNames: ['reason'],
  }),
  makeCounterProvider({
    name: METRICS.changesets,
    help: 'Assistant changesets by state (previewed, confirmed, expired, undone)',
    labelNames: ['state'],
  }),
];
