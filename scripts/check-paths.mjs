#!/usr/bin/env node
// Fails when a tracked file names a path outside the repository: the shared sibling folder
// reached with a relative path, or the absolute path of the folder the clone sits in (a build
// machine's layout).
// A fresh clone must stand alone, so nothing in it may depend on, or point readers to, what lies
// beside it. Run by `.ci/run` and `npm run lint`; exits 1 listing every `file:line: text`.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = execFileSync('git', ['rev-parse', '--show-toplevel'], { encoding: 'utf8' }).trim();
const parent = path.dirname(root);
const EXCLUDED = new Set(['package-lock.json']);
// Parents too common to mean anything: a path under them is not this machine's layout.
const GENERIC_PARENTS = new Set(['/', '/tmp', '/var/tmp']);

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// Built from parts so this file does not name what it looks for.
const patterns = [{ what: 'a sibling folder', re: new RegExp(escape(['..', 'shared', ''].join('/'))) }];
if (!GENERIC_PARENTS.has(parent)) {
  // Not part of a longer path or URL: "https://host<parent>/..." is not the machine's folder.
  patterns.push({ what: 'the parent folder', re: new RegExp(`(?<![\\w.~/:-])${escape(parent)}(?=/|\\b)`) });
}

const files = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' })
  .split('\0')
  .filter(Boolean);
const problems = [];
for (const file of files) {
  if (EXCLUDED.has(path.basename(file))) continue;
  const full = path.join(root, file);
  if (!existsSync(full)) continue; // deleted in the work tree, not yet committed
  const buffer = readFileSync(full);
  if (buffer.includes(0)) continue; // binary
  const lines = buffer.toString('utf8').split('\n');
  lines.forEach((line, i) => {
    for (const { what, re } of patterns) {
      if (re.test(line))
        problems.push(`${file}:${i + 1}: names ${what} outside the repository: ${line.trim()}`);
    }
  });
}

if (problems.length) {
  console.error(problems.join('\n'));
  console.error(
    `\n${problems.length} line(s) name a path outside ${root}; keep what they need in the repository.`,
  );
  process.exit(1);
}
console.log(`check-paths: ${files.length} tracked files name no path outside the repository`);
