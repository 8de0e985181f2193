import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { ROOT } from './cli';

export const CHART_DIR = path.join(ROOT, 'charts/calendar-assistant');
export const RULES_FILE = path.join(CHART_DIR, 'files/calendar-assistant.rules.yml');
export const DASHBOARD_FILE = path.join(CHART_DIR, 'files/calendar-assistant.json');

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export function alertRules(file = RULES_FILE): AlertRule[] {
  const doc = parse(readFileSync(file, 'utf8')) as {
    groups: { rules: (AlertRule & { record?: string })[] }[];
  };
  return doc.groups.flatMap((g) => g.rules).filter((r) => r.alert);
}

/**
 * The objects the chart renders for a release whose name contains the chart name (so the full
 * name is the release name, as in `helm install calendar-assistant charts/calendar-assistant`):
 * kind → names. Read from the templates: each document's `kind:` and its first `name:` under
 * `metadata`, with the fullname helper resolved. No helm needed.
 */
export function chartObjects(release = 'calendar-assistant'): Map<string, Set<string>> {
  const objects = new Map<string, Set<string>>();
  const dir = path.join(CHART_DIR, 'templates');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
    const text = readFileSync(path.join(dir, file), 'utf8');
    const fullName = text.match(
      /\{\{-?\s*\$(\w+)\s*:=\s*include "calendar-assistant\.fullname" \.\s*-?\}\}/,
    )?.[1];
    for (const doc of text.split(/^---\s*$/m)) {
      const kind = doc.match(/^kind:\s*(\w+)/m)?.[1];
      const meta = doc.split(/^metadata:\s*$/m)[1];
      const raw = meta?.match(/^ {2}name:\s*(.+)$/m)?.[1];
      if (!kind || !raw) continue;
      let name = raw
        .replace(/\{\{-?\s*include "calendar-assistant\.(fullname|serviceAccountName)" \.\s*-?\}\}/g, release)
        .trim();
      if (fullName) name = name.replace(new RegExp(`\\{\\{-?\\s*\\$${fullName}\\s*-?\\}\\}`, 'g'), release);
      for (const n of expandRange(text, name)) {
        if (n.includes('{{')) throw new Error(`templates/${file}: cannot resolve the name ${raw}`);
        if (!objects.has(kind)) objects.set(kind, new Set());
        objects.get(kind)!.add(n);
      }
    }
  }
  return objects;
}

/**
 * `text` once per value of the template's `range $var := list "a" "b"` when it uses `{{ $var }}`
 * (the exporters' template renders the same objects per exporter), else just `text`.
 */
function expandRange(template: string, text: string): string[] {
  const range = template.match(/\{\{-?\s*range \$(\w+)\s*:=\s*list((?:\s+"[^"]+")+)\s*-?\}\}/);
  if (!range) return [text];
  const variable = new RegExp(`\\{\\{-?\\s*\\$${range[1]}\\s*-?\\}\\}`, 'g');
  if (!variable.test(text)) return [text];
  return [...range[2].matchAll(/"([^"]+)"/g)].map((m) => text.replace(variable, m[1]));
}

/** The labels the chart puts on its pods (selector labels plus the component of each workload). */
export function chartPodLabels(release = 'calendar-assistant'): Map<string, Set<string>> {
  const helpers = readFileSync(path.join(CHART_DIR, 'templates/_helpers.tpl'), 'utf8');
  const labels = new Map<string, Set<string>>();
  const add = (k: string, v: string) => (labels.get(k) ?? labels.set(k, new Set()).get(k)!).add(v);
  const selector =
    helpers.split('define "calendar-assistant.selectorLabels"')[1]?.split('{{- end }}')[0] ?? '';
  for (const m of selector.matchAll(/^([\w./-]+):\s*(.+)$/gm)) {
    const value = m[2].includes('.Release.Name')
      ? release
      : m[2].includes('calendar-assistant.name')
        ? 'calendar-assistant'
        : m[2];
    add(m[1], value.trim());
  }
  const dir = path.join(CHART_DIR, 'templates');
  for (const file of readdirSync(dir)) {
    const text = readFileSync(path.join(dir, file), 'utf8');
    for (const m of text.matchAll(/app\.kubernetes\.io\/component: ((?:[\w-]|\{\{ \$\w+ \}\})+)/g))
      for (const value of expandRange(text, m[1])) add('app.kubernetes.io/component', value);
  }
  return labels;
}

/** Whether a dotted key (`autoscaling.maxReplicas`) is in values.yaml; maps accept any sub-key. */
export function valuesHasKey(key: string): boolean {
  const values = parse(readFileSync(path.join(CHART_DIR, 'values.yaml'), 'utf8')) as Record<string, unknown>;
  let node: unknown = values;
  const parts = key.split(/(?<!\\)\./).map((p) => p.replace(/\\\./g, '.'));
  for (const [i, part] of parts.entries()) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return false;
    const obj = node as Record<string, unknown>;
    if (!(part in obj)) {
      // An empty map in values.yaml (labels: {}, extraEnv: {}) takes keys of the user's choice.
      return i > 0 && Object.keys(obj).length === 0;
    }
    node = obj[part];
    if (i < parts.length - 1 && node !== null && typeof node === 'object' && Object.keys(node).length === 0)
      return true;
  }
  return true;
}
