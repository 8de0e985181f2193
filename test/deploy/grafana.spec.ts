import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { DASHBOARD_FILE } from '../support/chart';
import { ROOT } from '../support/cli';
import { Dashboard, loadDashboard, Panel } from '../support/promql';

// The PromQL of every panel (valid for promtool, only defined variables, only exported metrics with
// their labels) is checked by test/e2e/monitoring.e2e-spec.ts against a running API.

/** Panels an operator must find on the dashboard, by title. */
const REQUIRED_PANELS = [
  /request rate/i,
  /error rate/i,
  /response time.*p50.*p95.*p99/i,
  /active users/i,
  /calendar operations/i,
  /\bcpu\b/i,
  /memory/i,
  /disk/i,
  /network/i,
  /mongodb connection pool/i,
  /query performance/i,
  /cache hit rate/i,
  /replication lag.*mongodb exporter/i,
  /assistant/i,
  /webhook/i,
];

/** What is wrong with the structure of a dashboard: top-level keys, panels, targets. */
function dashboardProblems(dash: Dashboard): string[] {
  const problems: string[] = [];
  const raw = dash as unknown as Record<string, unknown>;
  for (const key of ['uid', 'title', 'panels', 'templating', 'schemaVersion'])
    if (!(key in raw)) problems.push(`"${key}" missing`);
  if (!(dash.templating?.list ?? []).some((v) => v.name === 'datasource'))
    problems.push('no "datasource" template variable (panels use ${datasource})');
  const ids = (dash.panels ?? []).map((p) => p.id);
  if (new Set(ids).size !== ids.length) problems.push('duplicate panel ids');
  const panels = (dash.panels ?? []).filter((p) => p.type !== 'row');
  for (const panel of panels) {
    for (const key of ['gridPos', 'datasource', 'targets', 'description'] as (keyof Panel)[]) {
      const value = panel[key];
      if (!value || (Array.isArray(value) && value.length === 0))
        problems.push(`panel "${panel.title}": "${key}" missing`);
    }
    const refs = (panel.targets ?? []).map((t) => t.refId);
    if (new Set(refs).size !== refs.length) problems.push(`panel "${panel.title}": duplicate refIds`);
    for (const t of panel.targets ?? [])
      if (!t.expr?.trim()) problems.push(`panel "${panel.title}" target ${t.refId}: empty expr`);
  }
  for (const pattern of REQUIRED_PANELS)
    if (!panels.some((p) => pattern.test(p.title))) problems.push(`no panel whose title matches ${pattern}`);
  return problems;
}

describe('the Grafana dashboard (charts/calendar-assistant/files/calendar-assistant.json)', () => {
  const dashboard = loadDashboard(DASHBOARD_FILE);

  it('has its keys, a datasource variable, unique panel ids and the panels operators need', () => {
    expect(dashboard.panels.filter((p) => p.type !== 'row').length).toBeGreaterThanOrEqual(
      REQUIRED_PANELS.length,
    );
    expect(dashboardProblems(dashboard)).toEqual([]);
  });

  it('would refuse a panel without description, a duplicate id or refId, an empty expr and a missing panel', () => {
    const panel = dashboard.panels.find((p) => p.type !== 'row' && /request rate/i.test(p.title))!;
    const broken: Dashboard = {
      ...dashboard,
      templating: { list: [] },
      panels: [
        { ...panel, description: '' },
        {
          ...panel,
          title: 'Copy',
          targets: [
            { refId: 'A', expr: 'up' },
            { refId: 'A', expr: ' ' },
          ],
        },
      ],
    };
    const problems = dashboardProblems(broken);
    expect(problems.slice(0, 6)).toEqual([
      'no "datasource" template variable (panels use ${datasource})',
      'duplicate panel ids',
      `panel "${panel.title}": "description" missing`,
      'panel "Copy": duplicate refIds',
      'panel "Copy" target A: empty expr',
      'no panel whose title matches /error rate/i',
    ]);
  });
});

describe('Grafana provisioning (deploy/grafana/provisioning)', () => {
  const read = (file: string) =>
    parse(readFileSync(path.join(ROOT, 'deploy/grafana/provisioning', file), 'utf8')) as Record<string, any>;

  it('provisions a Prometheus data source and loads the dashboards from a folder', () => {
    const ds = read('datasources/prometheus.yml');
    expect(ds.apiVersion).toBe(1);
    expect(ds.datasources[0]).toMatchObject({ type: 'prometheus', url: expect.stringMatching(/^http:\/\//) });
    const db = read('dashboards/dashboards.yml');
    expect(db.apiVersion).toBe(1);
    expect(db.providers[0].options.path).toMatch(/^\/.+/);
  });
});
