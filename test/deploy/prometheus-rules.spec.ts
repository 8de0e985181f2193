import { lstatSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { AlertRule, alertRules, DASHBOARD_FILE, RULES_FILE } from '../support/chart';
import { ROOT } from '../support/cli';

/** Where every alert's runbook_url points: a section of docs/runbook.md (anchors: runbook.e2e-spec.ts). */
const RUNBOOK_URL = 'https://github.com/calendar-assistant/calendar-assistant/blob/main/docs/runbook.md#';
const TESTS_DIR = path.join(ROOT, 'deploy/prometheus/tests');

/** What is wrong with the labels and annotations of a set of alerts. */
function alertProblems(alerts: AlertRule[]): string[] {
  const problems: string[] = [];
  const names = alerts.map((a) => a.alert);
  if (new Set(names).size !== names.length) problems.push('duplicate alert names');
  const anchors: string[] = [];
  for (const { alert, labels = {}, annotations = {} } of alerts) {
    if (!['critical', 'warning'].includes(labels.severity))
      problems.push(`${alert}: labels.severity must be critical or warning`);
    if (labels.service !== 'calendar-assistant')
      problems.push(`${alert}: labels.service must be calendar-assistant (Alertmanager groups on it)`);
    for (const key of ['summary', 'description', 'runbook_url'])
      if (!String(annotations[key] ?? '').trim()) problems.push(`${alert}: annotations.${key} is missing`);
    const url = annotations.runbook_url ?? '';
    const anchor = url.slice(RUNBOOK_URL.length);
    if (!url.startsWith(RUNBOOK_URL) || !/^[a-z0-9-]+$/.test(anchor))
      problems.push(`${alert}: runbook_url must be ${RUNBOOK_URL}<section-anchor>`);
    anchors.push(anchor);
  }
  if (new Set(anchors).size !== anchors.length) problems.push('two alerts share a runbook section');
  return problems;
}

interface RuleTestFile {
  tests?: { name: string; alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[];
}

/** Per alert, the promtool test cases that assert it: firing (some step expects alerts) and silent. */
function coverage(alerts: string[], files: Record<string, RuleTestFile>) {
  const problems: string[] = [];
  const cases = new Map(alerts.map((a) => [a, { firing: new Set<string>(), silent: new Set<string>() }]));
  for (const [file, doc] of Object.entries(files))
    for (const test of doc.tests ?? [])
      for (const check of test.alert_rule_test ?? []) {
        const c = cases.get(check.alertname);
        if (!c) problems.push(`${file}: test "${test.name}" asserts unknown alert ${check.alertname}`);
        else c[check.exp_alerts?.length ? 'firing' : 'silent'].add(test.name);
      }
  for (const [alert, c] of cases) {
    for (const name of c.firing) c.silent.delete(name); // a case that fires after a silent step fires
    if (c.firing.size + c.silent.size < 3 || c.firing.size < 1 || c.silent.size < 2)
      problems.push(
        `${alert}: needs >= 3 test cases with >= 1 firing and >= 2 silent (has ${c.firing.size} firing, ${c.silent.size} silent)`,
      );
  }
  return problems;
}

describe('the alert rules (charts/calendar-assistant/files/calendar-assistant.rules.yml)', () => {
  const rules = alertRules();

  it('are one copy: deploy/ links to the chart’s rules and dashboard', () => {
    for (const [link, target] of [
      ['deploy/prometheus/rules/calendar-assistant.rules.yml', RULES_FILE],
      ['deploy/grafana/dashboards/calendar-assistant.json', DASHBOARD_FILE],
    ]) {
      const file = path.join(ROOT, link);
      expect({ link, symlink: lstatSync(file).isSymbolicLink() }).toEqual({ link, symlink: true });
      expect({ link, target: realpathSync(file) }).toEqual({ link, target: realpathSync(target) });
    }
  });

  it('give every alert a severity, the service label, a summary, a description and its own runbook section', () => {
    expect(rules.length).toBeGreaterThanOrEqual(9);
    expect(alertProblems(rules)).toEqual([]);
  });

  it('would refuse a bad severity, a missing service or annotation, a foreign runbook_url and a shared section', () => {
    const good = rules[0];
    const bad: AlertRule[] = [
      { ...good, alert: 'A', labels: { ...good.labels, severity: 'page' } },
      {
        ...good,
        alert: 'B',
        labels: { severity: 'warning' },
        annotations: { ...good.annotations, summary: ' ' },
      },
      { ...good, alert: 'C', annotations: { ...good.annotations, runbook_url: 'https://wiki/x#Y' } },
    ];
    expect(alertProblems(bad)).toEqual([
      'A: labels.severity must be critical or warning',
      'B: labels.service must be calendar-assistant (Alertmanager groups on it)',
      'B: annotations.summary is missing',
      `C: runbook_url must be ${RUNBOOK_URL}<section-anchor>`,
      'two alerts share a runbook section',
    ]);
  });

  it('each have >= 3 promtool test cases: >= 1 where the alert fires, >= 2 where it stays silent', () => {
    const files = Object.fromEntries(
      readdirSync(TESTS_DIR)
        .filter((f) => f.endsWith('.test.yml'))
        .map((f) => [f, parse(readFileSync(path.join(TESTS_DIR, f), 'utf8')) as RuleTestFile]),
    );
    expect(Object.keys(files).length).toBeGreaterThan(0);
    expect(
      coverage(
        rules.map((r) => r.alert),
        files,
      ),
    ).toEqual([]);
  });

  it('would refuse an alert with too few cases and a test of an unknown alert', () => {
    const fires = (name: string) => ({ name, alert_rule_test: [{ alertname: 'A', exp_alerts: [{}] }] });
    const silent = (name: string) => ({ name, alert_rule_test: [{ alertname: 'A', exp_alerts: [] }] });
    expect(coverage(['A'], { 'x.test.yml': { tests: [fires('1'), silent('2'), silent('3')] } })).toEqual([]);
    expect(
      coverage(['A'], {
        'x.test.yml': {
          tests: [
            fires('1'),
            silent('2'),
            // silent first, then firing: a firing case
            { name: '3', alert_rule_test: [...silent('3').alert_rule_test, ...fires('3').alert_rule_test] },
            { name: '4', alert_rule_test: [{ alertname: 'Nope', exp_alerts: [] }] },
          ],
        },
      }),
    ).toEqual([
      'x.test.yml: test "4" asserts unknown alert Nope',
      'A: needs >= 3 test cases with >= 1 firing and >= 2 silent (has 2 firing, 1 silent)',
    ]);
  });
});
