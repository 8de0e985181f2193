import { existsSync } from 'node:fs';
import path from 'node:path';
import { chartObjects, chartPodLabels, valuesHasKey } from './chart';
import { ROOT } from './cli';
import { SimpleCommand } from './shell';

/** kubectl's names (and short names) of the kinds the chart renders. */
const KIND_ALIASES: Record<string, string> = {
  deploy: 'Deployment',
  deployment: 'Deployment',
  deployments: 'Deployment',
  svc: 'Service',
  service: 'Service',
  services: 'Service',
  hpa: 'HorizontalPodAutoscaler',
  horizontalpodautoscaler: 'HorizontalPodAutoscaler',
  pdb: 'PodDisruptionBudget',
  poddisruptionbudget: 'PodDisruptionBudget',
  cj: 'CronJob',
  cronjob: 'CronJob',
  cronjobs: 'CronJob',
  cm: 'ConfigMap',
  configmap: 'ConfigMap',
  netpol: 'NetworkPolicy',
  networkpolicy: 'NetworkPolicy',
  serviceaccount: 'ServiceAccount',
  sa: 'ServiceAccount',
  servicemonitor: 'ServiceMonitor',
  prometheusrule: 'PrometheusRule',
  ingress: 'Ingress',
};

/** Cluster-scoped resources (and verbs on nodes) that take no namespace. */
const CLUSTER_SCOPED = /^(nodes?|no|namespaces?|ns|pv|persistentvolumes?|storageclass(es)?|sc)$/;
const NODE_VERBS = new Set(['drain', 'cordon', 'uncordon']);

const KUBECTL_VALUE_FLAGS = new Set([
  '-n',
  '--namespace',
  '-l',
  '--selector',
  '-o',
  '--output',
  '-p',
  '--patch',
  '-f',
  '--filename',
  '-c',
  '--container',
  '--type',
]);
const HELM_VALUE_FLAGS = new Set([
  '-n',
  '--namespace',
  '--set',
  '--set-string',
  '-f',
  '--values',
  '--max',
  '--version',
  '--timeout',
  '-o',
  '--output',
]);

function flagValue(words: string[], names: string[]): string[] {
  const values: string[] = [];
  words.forEach((w, i) => {
    for (const n of names) {
      if (w === n && words[i + 1] !== undefined) values.push(words[i + 1]);
      else if (w.startsWith(n + '=')) values.push(w.slice(n.length + 1));
    }
  });
  return values;
}

/** The words that are neither options nor option values. */
function positionals(words: string[], valueFlags: Set<string>): string[] {
  const out: string[] = [];
  for (let i = 1; i < words.length; i++) {
    const w = words[i];
    if (w === '--') break;
    if (w.startsWith('-')) {
      if (valueFlags.has(w)) i++;
      continue;
    }
    out.push(w);
  }
  return out;
}

/**
 * Problems with a kubectl command of the runbook: no namespace, or (in the release's namespace) a
 * chart object that the chart does not render, or a pod label it does not set.
 */
export function kubectlProblems(words: SimpleCommand, namespace: string, release: string): string[] {
  const problems: string[] = [];
  const objects = chartObjects(release);
  const podLabels = chartPodLabels(release);
  const args = positionals(words, KUBECTL_VALUE_FLAGS);
  const verb = args[0];
  const ns = flagValue(words, ['-n', '--namespace']);
  const clusterScoped = NODE_VERBS.has(verb) || CLUSTER_SCOPED.test(args[1] ?? '') || words.includes('-A');
  if (!ns.length && !clusterScoped && !['config', 'version', 'cluster-info'].includes(verb))
    problems.push(`no namespace (-n ${namespace})`);
  if (!ns.includes(namespace)) return problems;

  const refs: { kind: string; name: string }[] = [];
  for (const w of [...args, ...flagValue(words, ['--from'])]) {
    const m = w.match(/^([a-z]+)\/([\w.-]+)$/);
    if (m && KIND_ALIASES[m[1]]) refs.push({ kind: KIND_ALIASES[m[1]], name: m[2] });
  }
  if (['get', 'describe', 'edit', 'patch', 'delete', 'scale', 'annotate', 'label'].includes(verb)) {
    const [kind, name] = [args[1], args[2]];
    if (kind && name && !kind.includes('/') && !kind.includes(',') && KIND_ALIASES[kind])
      refs.push({ kind: KIND_ALIASES[kind], name });
  }
  for (const { kind, name } of refs) {
    if (!objects.get(kind)?.has(name))
      problems.push(
        `${kind} ${name} is not rendered by the chart (it has: ${[...(objects.get(kind) ?? [])].join(', ') || 'none'})`,
      );
  }

  for (const selector of flagValue(words, ['-l', '--selector'])) {
    for (const term of selector.split(',')) {
      const m = term.match(/^([\w./-]+)(=|==|!=)(.*)$/);
      if (!m) continue;
      const [key, value] = [m[1], m[3]];
      if (key === 'job-name' || key === 'batch.kubernetes.io/job-name') continue;
      if (key === 'kubernetes.io/service-name') {
        if (!objects.get('Service')?.has(value))
          problems.push(`selector ${term}: no such Service in the chart`);
        continue;
      }
      const allowed = podLabels.get(key);
      if (!allowed?.has(value))
        problems.push(
          `selector ${term}: the chart's pods have ${key}=${[...(allowed ?? [])].join('|') || '(no such label)'}`,
        );
    }
  }
  return problems;
}

/**
 * Problems with a helm command of the runbook: not the release or its namespace, a chart path that
 * does not exist, or a --set key that values.yaml does not have.
 */
export function helmProblems(words: SimpleCommand, namespace: string, release: string): string[] {
  const problems: string[] = [];
  const args = positionals(words, HELM_VALUE_FLAGS);
  const verb = args[0];
  if (!flagValue(words, ['-n', '--namespace']).includes(namespace)) problems.push(`no -n ${namespace}`);
  if (['upgrade', 'install', 'rollback', 'history', 'status', 'uninstall', 'get'].includes(verb)) {
    const releaseArg = verb === 'get' ? args[2] : args[1];
    if (releaseArg !== release) problems.push(`release ${releaseArg}, not ${release}`);
  }
  if (['upgrade', 'install', 'template', 'lint'].includes(verb)) {
    const chart = verb === 'lint' ? args[1] : args[2];
    if (!chart || !existsSync(path.join(ROOT, chart, 'Chart.yaml')))
      problems.push(`chart path ${chart} does not exist`);
  }
  for (const set of flagValue(words, ['--set', '--set-string'])) {
    for (const pair of set.split(/,(?=[\w.]+=)/)) {
      const key = pair.split('=')[0];
      if (!valuesHasKey(key)) problems.push(`--set ${key}: no such key in values.yaml`);
    }
  }
  return problems;
}
