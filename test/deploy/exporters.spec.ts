import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { METRICS } from '@app/observability';
import { alertRules, CHART_DIR, chartObjects, DASHBOARD_FILE } from '../support/chart';
import { EXPORTERS, ExporterMetrics, MONGODB_EXPORTER, REDIS_EXPORTER } from '../support/exporter-metrics';
import { dashboardExpressions, loadDashboard, NamedExpr, selectors } from '../support/promql';

// The exporters are rendered, linted and schema-checked with and without each of them by
// scripts/deploy/check.sh (ci/*.yaml); the Redis exporter's series meet the rules in a real
// Prometheus in test/e2e/redis-exporter.e2e-spec.ts.

const values = parse(readFileSync(path.join(CHART_DIR, 'values.yaml'), 'utf8')) as {
  exporters: Record<string, { image: { tag: string; digest: string } }>;
};
const expressions: NamedExpr[] = [
  ...alertRules().map((r) => ({ where: `alert ${r.alert}`, expr: r.expr })),
  ...dashboardExpressions(loadDashboard(DASHBOARD_FILE)),
];

/** The app's own metrics: mongodb_up and redis_up are the API's gauges on job="calendar-assistant". */
const OWN_METRICS = new Set<string>(Object.values(METRICS));

/** The value of the `job` matcher of each selector of `expr` (undefined without one), by metric. */
function jobsOf(expr: string): { metric: string; job?: string }[] {
  const found: { metric: string; job?: string }[] = [];
  for (const m of expr.matchAll(/\b([a-zA-Z_][\w:]*)\s*\{([^}]*)\}/g))
    found.push({ metric: m[1], job: m[2].match(/\bjob\s*=\s*"([^"]*)"/)?.[1] });
  return found;
}

/** What is wrong with the exporter metrics of `exprs`: undocumented names, wrong or missing jobs. */
function exporterProblems(exprs: NamedExpr[], exporters: readonly ExporterMetrics[]): string[] {
  const problems: string[] = [];
  for (const { where, expr } of exprs) {
    const jobs = jobsOf(expr);
    for (const { metric } of selectors(expr)) {
      const exporter = exporters.find((e) => jobs.some((j) => j.metric === metric && j.job === e.job));
      const documentedBy = exporters.filter((e) => e.metrics.includes(metric));
      if (exporter && !exporter.metrics.includes(metric))
        problems.push(`${where}: ${metric} is not a documented ${exporter.job} metric`);
      else if (
        !exporter &&
        !OWN_METRICS.has(metric) &&
        /^(mongodb_mongod_|mongodb_rs_|mongodb_ss_|redis_)/.test(metric)
      )
        problems.push(
          `${where}: ${metric} needs job="${documentedBy[0]?.job ?? 'an exporter job'}"` +
            (documentedBy.length ? '' : ' and is not documented'),
        );
    }
  }
  return problems;
}

describe('the datastore exporters of the chart (values.yaml exporters.*)', () => {
  it('pin the release whose documented metric names the rules and the dashboard use, by digest', () => {
    for (const e of EXPORTERS) {
      expect({ exporter: e.values, tag: values.exporters[e.values].image.tag }).toEqual({
        exporter: e.values,
        tag: e.version,
      });
      expect(values.exporters[e.values].image.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    }
  });

  it('are rendered as a Deployment, a Service, a ServiceMonitor and a NetworkPolicy each', () => {
    const objects = chartObjects('calendar-assistant');
    for (const kind of ['Deployment', 'Service', 'ServiceMonitor', 'NetworkPolicy'])
      for (const e of EXPORTERS)
        expect({ kind, name: `calendar-assistant-${e.values}-exporter`, rendered: true }).toEqual({
          kind,
          name: `calendar-assistant-${e.values}-exporter`,
          rendered: objects.get(kind)?.has(`calendar-assistant-${e.values}-exporter`) ?? false,
        });
  });

  it('give the replication-lag alert and panel, and the eviction alert, their documented metric', () => {
    const rule = (name: string) => alertRules().find((r) => r.alert === name)!.expr;
    expect(jobsOf(rule('MongoReplicationLagHigh'))).toEqual([
      { metric: 'mongodb_mongod_replset_member_replication_lag', job: MONGODB_EXPORTER.job },
    ]);
    expect(jobsOf(rule('RedisEvictingKeys'))).toEqual([
      { metric: 'redis_evicted_keys_total', job: REDIS_EXPORTER.job },
    ]);
    const lagPanel = expressions.filter((e) => e.where.startsWith('panel "Replication lag'));
    expect(lagPanel.flatMap((e) => jobsOf(e.expr))).toEqual([
      { metric: 'mongodb_mongod_replset_member_replication_lag', job: MONGODB_EXPORTER.job },
    ]);
  });

  it('use only documented exporter metric names, each on its exporter’s job, in every rule and panel', () => {
    expect(exporterProblems(expressions, EXPORTERS)).toEqual([]);
  });

  it('would refuse an undocumented name, an exporter metric without its job and one on the wrong job', () => {
    const check = (expr: string) => exporterProblems([{ where: 'x', expr }], EXPORTERS);
    expect(check('mongodb_mongod_replset_member_lag{job="calendar-assistant-mongodb"} > 10')).toEqual([
      'x: mongodb_mongod_replset_member_lag is not a documented calendar-assistant-mongodb metric',
    ]);
    expect(check('rate(redis_evicted_keys_total[5m]) > 0')).toEqual([
      'x: redis_evicted_keys_total needs job="calendar-assistant-redis"',
    ]);
    expect(check('redis_evicted_keys_total{job="calendar-assistant-mongodb"}')).toEqual([
      'x: redis_evicted_keys_total is not a documented calendar-assistant-mongodb metric',
    ]);
    expect(check('mongodb_rs_members_optimeDate{job="calendar-assistant"}')).toEqual([
      'x: mongodb_rs_members_optimeDate needs job="an exporter job" and is not documented',
    ]);
    expect(check('redis_up{job="calendar-assistant-redis"} == 0')).toEqual([]);
  });
});
