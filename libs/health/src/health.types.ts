export type DependencyState = 'connected' | 'disconnected';
export type OverallStatus = 'healthy' | 'degraded' | 'unhealthy';

/** GET /health — exactly the runbook's shape. */
export interface HealthReport {
  status: OverallStatus;
  version: string;
  dependencies: { mongodb: DependencyState; redis: DependencyState };
}

export interface DependencyCheck {
  name: 'mongodb' | 'redis';
  state: DependencyState;
  /** Whether the API can serve without it (Redis is a cache: yes). */
  critical: boolean;
  latencyMs?: number;
  message?: string;
}
