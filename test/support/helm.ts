import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { CHART_DIR } from './chart';
import { ROOT } from './cli';

/** A pinned setting of scripts/deploy/check.sh (HELM_VERSION, K8S_VERSION): one home for both. */
function checkShSetting(name: string): string {
  const text = readFileSync(path.join(ROOT, 'scripts/deploy/check.sh'), 'utf8');
  const value = new RegExp(`^${name}=(\\S+)$`, 'm').exec(text)?.[1];
  if (!value) throw new Error(`scripts/deploy/check.sh sets no ${name}`);
  return value;
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const file = path.join(dir, name);
    if (dir && existsSync(file)) return file;
  }
  return undefined;
}

let helmBinary: string | undefined;

/** helm from PATH or Go's bin folder; installed there with `go install` (as check.sh does) when missing. */
export function helm(): string {
  if (helmBinary) return helmBinary;
  const found = onPath('helm');
  if (found) return (helmBinary = found);
  const go = onPath('go') ?? (existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (!go) throw new Error('helm is missing and Go is not installed: run scripts/deploy/check.sh once');
  const gobin = path.join(execFileSync(go, ['env', 'GOPATH'], { encoding: 'utf8' }).trim(), 'bin');
  const target = path.join(gobin, 'helm');
  if (!existsSync(target)) {
    const version = checkShSetting('HELM_VERSION');
    const res = spawnSync(go, ['install', `helm.sh/helm/v3/cmd/helm@${version}`], { stdio: 'inherit' });
    if (res.status !== 0) throw new Error(`go install of helm ${version} failed (exit ${res.status})`);
  }
  return (helmBinary = target);
}

/** `helm template` of the chart with the given values files (later ones win, as with helm upgrade). */
export function helmTemplate(valuesFiles: string[], release = 'calendar-assistant'): Record<string, any>[] {
  const args = ['template', release, CHART_DIR, '--kube-version', checkShSetting('K8S_VERSION')];
  for (const file of valuesFiles) args.push('-f', file);
  const res = spawnSync(helm(), args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (res.status !== 0) throw new Error(`helm ${args.join(' ')} failed: ${res.stderr}`);
  return parseAllDocuments(res.stdout)
    .map((d) => d.toJS() as Record<string, any> | null)
    .filter((d): d is Record<string, any> => !!d);
}
