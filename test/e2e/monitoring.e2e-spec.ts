import { readFileSync } from 'node:fs';
import path from 'node:path';
import { METRICS } from '@app/observability';
import { register } from 'prom-client';
import { alertRules, DASHBOARD_FILE } from '../support/chart';
import { ROOT } from '../support/cli';
import { parseMarkdown } from '../support/markdown';
import {
  allPanels,
  dashboardExpressions,
  ensurePrometheusTool,
  familyOf,
  grafanaVariables,
  isForeignMetric,
  loadDashboard,
  NamedExpr,
  parseExposition,
  promtoolCheck,
  selectors,
} from '../support/promql';
import { testConfig } from '../support/test-env';
import { startTestApi, TestApi } from '../support/test-app';
import { registerUser } from '../support/users';

const dashboard = loadDashboard(DASHBOARD_FILE);
const rules = alertRules();
const runbook = parseMarkdown(readFileSync(path.join(ROOT, 'docs/runbook.md'), 'utf8'));

/** Every PromQL expression the operators rely on: dashboard panels and variables, alerts, runbook. */
const expressions: NamedExpr[] = [
  ...dashboardExpressions(dashboard),
  ...rules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr })),
  ...runbook.codeBlocks
    .filter((b) => b.lang === 'promql')
    .map((b) => ({ where: `runbook.md:${b.line}`, expr: b.text })),
];

/** Labels Prometheus adds to every scraped series, and the histogram bucket label. */
const TARGET_LABELS = new Set(['job', 'instance', '__name__']);

describe('PromQL of the dashboard, the alert rules and the runbook', () => {
  let promtool: string;

  beforeAll(() => {
    promtool = ensurePrometheusTool('promtool');
  }, 300_000);

  it('finds the expressions of every panel, variable, alert and runbook query', () => {
    const withTargets = allPanels(dashboard).filter((p) => p.type !== 'row');
    expect(withTargets.every((p) => (p.targets ?? []).some((t) => t.expr))).toBe(true);
    expect(expressions.filter((e) => e.where.startsWith('panel')).length).toBe(
      withTargets.flatMap((p) => p.targets ?? []).filter((t) => t.expr).length,
    );
    expect(expressions.some((e) => e.where.startsWith('variable $instance'))).toBe(true);
    expect(expressions.filter((e) => e.where.startsWith('alert')).length).toBe(rules.length);
    expect(expressions.filter((e) => e.where.startsWith('runbook')).length).toBeGreaterThanOrEqual(
      rules.length,
    );
  });

  it('uses only template variables the dashboard defines (or Grafana built-ins)', () => {
    const defined = new Set((dashboard.templating?.list ?? []).map((v) => v.name));
    const raw = allPanels(dashboard).flatMap((p) =>
      (p.targets ?? []).map((t) => ({ title: p.title, expr: t.expr ?? '' })),
    );
    const unknown = raw.flatMap(({ title, expr }) =>
      grafanaVariables(expr)
        .filter((v) => !v.startsWith('__') && !defined.has(v))
        .map((v) => `panel "${title}": $${v}`),
    );
    expect(unknown).toEqual([]);
  });

  it('parses every expression with promtool (and promtool does refuse a broken one)', () => {
    const result = promtoolCheck(promtool, expressions);
    expect({ code: result.code, output: result.code === 0 ? '' : result.output }).toEqual({
      code: 0,
      output: '',
    });
    expect(result.output).toMatch(new RegExp(`SUCCESS: ${expressions.length} rules found`));
    const broken = promtoolCheck(promtool, [{ where: 'broken', expr: 'sum(rate(http_requests_total[5m])' }]);
    expect(broken.code).not.toBe(0);
    expect(broken.output).toMatch(/broken/);
  });

  it('reads the metric names and matchers of an expression, and nothing else', () => {
    expect(
      selectors(
        'histogram_quantile(0.95, sum by (le, route) (rate(x_bucket{job="a", route=~"b{c}"}[5m]))) / 1e6 > 1 and on () count(up == 1) or absent_over_time(y[1h])',
      ),
    ).toEqual([
      { metric: 'x_bucket', labels: ['job', 'route'] },
      { metric: 'up', labels: [] },
      { metric: 'y', labels: [] },
    ]);
  });
});

describe('every app metric the dashboard, the alerts and the runbook name is exported by a running API', () => {
  let api: TestApi;
  let exposition: string;

  beforeAll(async () => {
    api = await startTestApi(await testConfig());
    // Traffic, so that the labelled families have samples: health, a 404, auth, calendar reads
    // and writes (cache lookups).
    await api.request('/health');
    await api.request('/health/ready');
    await api.request('/no/such/route');
    const user = await registerUser(api);
    await api.request('/v1/auth/login', {
      method: 'POST',
      json: { email: user.email, password: 'wrong password!' },
    });
    await api.request('/v1/events', {
      method: 'POST',
      token: user.token,
      json: { title: 'Standup', start: '2026-03-12T09:00', end: '2026-03-12T09:15' },
    });
    for (let i = 0; i < 2; i++)
      await api.request('/v1/events?from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z', {
        token: user.token,
      });
    const res = await api.request('/metrics');
    expect(res.status).toBe(200);
    exposition = res.text;
  });

  afterAll(() => api?.close());

  it('exports each named family (counters and gauges by name, histograms through _bucket/_sum/_count)', () => {
    const families = parseExposition(exposition);
    const named = expressions.flatMap((e) => selectors(e.expr).map((s) => ({ ...s, where: e.where })));
    const own = named.filter((s) => !isForeignMetric(s.metric));
    expect(new Set(own.map((s) => s.metric)).size).toBeGreaterThanOrEqual(20);
    const missing = own.filter((s) => !familyOf(s.metric, families)).map((s) => `${s.where}: ${s.metric}`);
    expect([...new Set(missing)]).toEqual([]);
  });

  it('exports every metric that libs/observability declares (metric-names.ts, the one list of them)', () => {
    const families = parseExposition(exposition);
    expect(Object.values(METRICS).filter((name) => !families.has(name))).toEqual([]);
  });

  it('has every label the expressions match on (from samples, or the metric definition before any sample)', () => {
    const families = parseExposition(exposition);
    const problems: string[] = [];
    for (const e of expressions) {
      for (const s of selectors(e.expr)) {
        if (isForeignMetric(s.metric)) continue;
        const family = familyOf(s.metric, families);
        if (!family) continue; // reported by the test above
        const defined = (
          register.getSingleMetric(family.name) as unknown as { labelNames?: string[] } | undefined
        )?.labelNames;
        const known = new Set([...family.sampleLabels, ...(defined ?? []), ...TARGET_LABELS]);
        if (family.type === 'histogram') known.add('le');
        for (const label of s.labels)
          if (!known.has(label)) problems.push(`${e.where}: ${s.metric} has no label "${label}"`);
      }
    }
    expect([...new Set(problems)]).toEqual([]);
  });

  it('has samples for the request, dependency and cache families after that traffic', () => {
    const families = parseExposition(exposition);
    for (const name of [
      'http_requests_total',
      'http_request_duration_seconds',
      'mongodb_up',
      'redis_up',
      'cache_requests_total',
    ])
      expect({ name, samples: (families.get(name)?.samples ?? 0) > 0 }).toEqual({ name, samples: true });
    expect(exposition).toMatch(
      /^http_requests_total\{method="GET",route="\/health",status_code="200"\} \d+/m,
    );
    expect(exposition).toMatch(/^cache_requests_total\{cache="[\w-]+",result="(hit|miss)"\} \d+/m);
  });
});
