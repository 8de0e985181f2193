// Makes a clone runnable: installs dependencies when missing or stale and builds when the
// sources changed. Runs under whatever node launched it (Node 20 on a fresh machine, before the
// project's own Node 24 is installed) and hands the real work to Node 24 from node_modules.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const NODE24 = path.join(ROOT, 'node_modules', 'node', 'bin', 'node');
export const API_ENTRY = path.join(ROOT, 'dist/apps/api/apps/api/src/main.js');
export const OPS_ENTRY = path.join(ROOT, 'dist/apps/ops/apps/ops/src/main.js');
const BUILD_STAMP = path.join(ROOT, 'dist/.build-stamp');

const say = (msg) => process.stderr.write(`[setup] ${msg}\n`);

function mtime(p) {
  try {
    return statSync(p).mtimeMs;
  } catch {
    return 0;
  }
}

function newestUnder(dir) {
  let newest = 0;
  if (!existsSync(dir)) return 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestUnder(p));
    else if (entry.name.endsWith('.ts') || entry.name.endsWith('.json')) newest = Math.max(newest, mtime(p));
  }
  return newest;
}

/** `npm ci` when node_modules is missing or older than the lock file. */
export function ensureInstalled() {
  const installed = path.join(ROOT, 'node_modules/.package-lock.json');
  if (existsSync(NODE24) && mtime(installed) >= mtime(path.join(ROOT, 'package-lock.json'))) return;
  say('installing dependencies with npm ci (first run only)…');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: ROOT, stdio: ['ignore', 2, 2] });
  if (r.status !== 0) {
    say('npm ci failed; see the output above');
    process.exit(r.status ?? 1);
  }
}

/** Builds both apps when the build is missing or older than any source file. */
export function ensureBuilt({ force = false } = {}) {
  const sources = Math.max(
    newestUnder(path.join(ROOT, 'apps')),
    newestUnder(path.join(ROOT, 'libs')),
    mtime(path.join(ROOT, 'package.json')),
    mtime(path.join(ROOT, 'tsconfig.json')),
  );
  if (!force && existsSync(API_ENTRY) && existsSync(OPS_ENTRY) && mtime(BUILD_STAMP) >= sources) return;
  say('building the API and the ops CLI…');
  const nest = path.join(ROOT, 'node_modules/@nestjs/cli/bin/nest.js');
  for (const app of ['api', 'ops']) {
    const r = spawnSync(NODE24, [nest, 'build', app], { cwd: ROOT, stdio: ['ignore', 2, 2] });
    if (r.status !== 0) {
      say(`the build of ${app} failed; see the output above`);
      process.exit(r.status ?? 1);
    }
  }
  writeFileSync(BUILD_STAMP, new Date().toISOString() + '\n');
}
