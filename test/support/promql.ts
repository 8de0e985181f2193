import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { METRICS } from '@app/observability';
import { ensureDebianPackage } from './debian-package';
import { EXPORTERS } from './exporter-metrics';

/** PromQL words that are not metric names. */
const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'inf',
  'nan',
  'atan2',
]);

/** Grafana's built-in variables and the values they stand for in a check. */
const GRAFANA_BUILTINS: Record<string, string> = {
  __rate_interval: '5m',
  __interval: '1m',
  __range: '1h',
  __range_s: '3600',
  __interval_ms: '60000',
};

/** The `$var` / `${var}` / `${var:fmt}` / `[[var]]` names an expression uses. */
export function grafanaVariables(expr: string): string[] {
  const names = [...expr.matchAll(/\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]/g)].map(
    (m) => m[1] ?? m[2] ?? m[3],
  );
  return [...new Set(names)];
}

/** A Grafana query as PromQL: built-in intervals become durations, template variables match anything. */
export function grafanaToPromql(expr: string): string {
  return expr.replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]/g, (_m, a, b, c) => {
    const name = a ?? b ?? c;
    return GRAFANA_BUILTINS[name] ?? '.*';
  });
}

/** The PromQL inside a Grafana template-variable query (`label_values(sel, label)`, `query_result(q)`). */
export function templateQueryPromql(query: string): string | undefined {
  const q = query.trim();
  let m = q.match(/^label_values\((.*),\s*[\w.]+\s*\)$/s);
  if (m) return m[1];
  if (/^label_values\(\s*[\w.]+\s*\)$/.test(q) || /^(label_names|metrics)\(/.test(q)) return undefined;
  m = q.match(/^query_result\((.*)\)$/s);
  if (m) return m[1];
  throw new Error(`unknown Grafana variable query: ${query}`);
}

export interface Dashboard {
  uid?: string;
  title: string;
  schemaVersion?: number;
  panels: Panel[];
  templating?: { list: { name: string; type: string; query?: string | { query?: string } }[] };
}
export interface Panel {
  id: number;
  type: string;
  title: string;
  description?: string;
  gridPos?: { x: number; y: number; w: number; h: number };
  datasource?: unknown;
  targets?: { refId: string; expr?: string }[];
  panels?: Panel[];
}

export function loadDashboard(file: string): Dashboard {
  return JSON.parse(readFileSync(file, 'utf8')) as Dashboard;
}

/** Every panel, rows' collapsed panels included. */
export function allPanels(dash: Dashboard): Panel[] {
  return dash.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

export interface NamedExpr {
  where: string;
  expr: string;
}

/** Every PromQL expression of a dashboard (panel targets and variable queries), as PromQL. */
export function dashboardExpressions(dash: Dashboard): NamedExpr[] {
  const out: NamedExpr[] = [];
  for (const panel of allPanels(dash))
    for (const t of panel.targets ?? [])
      if (t.expr) out.push({ where: `panel "${panel.title}" ${t.refId}`, expr: grafanaToPromql(t.expr) });
  for (const v of dash.templating?.list ?? []) {
    if (v.type !== 'query') continue;
    const q = typeof v.query === 'string' ? v.query : v.query?.query;
    const promql = q ? templateQueryPromql(q) : undefined;
    if (promql) out.push({ where: `variable $${v.name}`, expr: grafanaToPromql(promql) });
  }
  return out;
}

export interface Selector {
  metric: string;
  /** Label names of the selector's matchers. */
  labels: string[];
}

/**
 * The metric selectors of an expression: every metric name with the label names it matches on
 * (string literals, ranges, grouping clauses and function names are skipped).
 */
export function selectors(expr: string): Selector[] {
  const found: Selector[] = [];
  // Blank out string literals (keeping their length) so nothing inside them is read as a name.
  const src = expr.replace(
    /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g,
    (s) => '"' + ' '.repeat(s.length - 2) + '"',
  );
  const re = /(?<![\w:.$])([A-Za-z_:][\w:]*)|\{([^}]*)\}|\[[^\]]*\]/g;
  const grouping = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
  let m: RegExpExecArray | null;
  while ((m = re.exec(src))) {
    if (!m[1]) continue; // a bare {…} selector or a [range]
    const word = m[1];
    const after = src.slice(re.lastIndex);
    if (grouping.has(word.toLowerCase())) {
      const list = after.match(/^\s*\([^)]*\)/); // the label list of by (…), on (…)
      if (list) re.lastIndex += list[0].length;
      continue;
    }
    if (KEYWORDS.has(word.toLowerCase())) continue;
    if (/^\s*\(/.test(after)) continue; // a function or aggregation
    if (/^\s*(by|without)\s*\([^)]*\)\s*\(/i.test(after)) continue; // sum by (x) (…)
    if (/^\d/.test(word)) continue;
    const matchers = after.match(/^\s*\{([^}]*)\}/);
    const labels = matchers
      ? [...matchers[1].matchAll(/([A-Za-z_]\w*)\s*(?:=~|!~|!=|=)/g)].map((x) => x[1])
      : [];
    if (matchers) re.lastIndex += matchers[0].length;
    found.push({ metric: word, labels });
  }
  return found;
}

const OWN_METRICS = new Set<string>(Object.values(METRICS));

/** Metrics that come from somewhere else than this app: exporters, cAdvisor, Prometheus itself. */
export function isForeignMetric(name: string): boolean {
  return (
    name === 'up' ||
    // The chart's datastore exporters (mongodb_up and redis_up are also the app's own gauges).
    (!OWN_METRICS.has(name) && EXPORTERS.some((e) => e.metrics.includes(name))) ||
    name.includes(':') || // recording rules
    /^(node_|container_|mongodb_mongod_|mongodb_rs_|mongodb_ss_|kube_|kubelet_|prometheus_|alertmanager_|scrape_|redis_exporter_)/.test(
      name,
    )
  );
}

const DEBIAN_BIN = '/usr/bin';
/** The Debian package of each Prometheus tool. */
const DEBIAN_PACKAGE = {
  prometheus: 'prometheus',
  promtool: 'prometheus',
  'prometheus-alertmanager': 'prometheus-alertmanager',
  amtool: 'prometheus-alertmanager',
  'prometheus-redis-exporter': 'prometheus-redis-exporter',
} as const;

/**
 * The path of a Prometheus tool from Debian's `prometheus`, `prometheus-alertmanager` or
 * `prometheus-redis-exporter` package.
 * Installs the package with apt-get when it is missing and this runs as root; otherwise fails with
 * what to do. CI installs nothing else before the tests, so the tests bring their own tools.
 */
export function ensurePrometheusTool(tool: keyof typeof DEBIAN_PACKAGE): string {
  const onPath = () => spawnSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
  const found = () =>
    onPath() || (existsSync(path.join(DEBIAN_BIN, tool)) ? path.join(DEBIAN_BIN, tool) : '');
  ensureDebianPackage(DEBIAN_PACKAGE[tool], () => found() !== '');
  return found();
}

/** `promtool check rules` over the expressions as recording rules; returns its exit code and output. */
export function promtoolCheck(promtool: string, exprs: NamedExpr[]): { code: number | null; output: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'promtool-'));
  try {
    const file = path.join(dir, 'exprs.rules.yml');
    const rules = exprs.map((e, i) => ({ record: `check:expr_${i}`, expr: e.expr }));
    writeFileSync(file, stringify({ groups: [{ name: 'expressions', rules }] }));
    const r = spawnSync(promtool, ['check', 'rules', file], { encoding: 'utf8' });
    return {
      code: r.status,
      output: (r.stdout + r.stderr).replace(/check:expr_(\d+)/g, (_m, i) => exprs[+i].where),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface MetricFamily {
  name: string;
  type: string;
  /** Label names seen on the family's samples. */
  sampleLabels: Set<string>;
  samples: number;
}

/** The families of a Prometheus text exposition (# TYPE lines, and the label names of their samples). */
export function parseExposition(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\w+)$/gm))
    families.set(m[1], { name: m[1], type: m[2], sampleLabels: new Set(), samples: 0 });
  for (const line of text.split('\n')) {
    const m = line.match(/^([A-Za-z_:][\w:]*)(?:\{(.*)\})? \S+/);
    if (!m || line.startsWith('#')) continue;
    const family =
      families.get(m[1]) ??
      families.get(m[1].replace(/_(bucket|sum|count)$/, '')) ??
      families.get(m[1] + '_total');
    if (!family) continue;
    family.samples++;
    for (const l of (m[2] ?? '').matchAll(/([A-Za-z_]\w*)="/g)) family.sampleLabels.add(l[1]);
  }
  return families;
}

/** The family a series name belongs to: itself, or the histogram / summary it is a _bucket/_sum/_count of. */
export function familyOf(name: string, families: Map<string, MetricFamily>): MetricFamily | undefined {
  const direct = families.get(name);
  if (direct && direct.type !== 'histogram' && direct.type !== 'summary') return direct;
  const m = name.match(/^(.*)_(bucket|sum|count)$/);
  if (!m) return undefined;
  const base = families.get(m[1]);
  if (!base) return undefined;
  if (base.type === 'histogram') return base;
  if (base.type === 'summary' && m[2] !== 'bucket') return base;
  return undefined;
}
