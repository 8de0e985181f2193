import dockerignore from '@balena/dockerignore';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../support/cli';

// hadolint is not obtainable here; these are the rules of deploy/docker/Dockerfile that matter to us.

interface Stage {
  image: string;
  name?: string;
  instructions: { word: string; args: string }[];
}

/** The stages of a Dockerfile, with the global ARG defaults substituted into the FROM images. */
function parseDockerfile(text: string): Stage[] {
  const instructions = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [word, ...rest] = l.split(/\s+/);
      return { word: word.toUpperCase(), args: rest.join(' ') };
    });
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.word === 'FROM') {
      const [image, as, name] = ins.args.split(/\s+/);
      stages.push({
        image: image.replace(/\$\{?(\w+)\}?/g, (m, a: string) => args.get(a) ?? m),
        name: as?.toUpperCase() === 'AS' ? name : undefined,
        instructions: [],
      });
    } else if (stages.length) stages[stages.length - 1].instructions.push(ins);
    else if (ins.word === 'ARG' && ins.args.includes('=')) {
      const [k, v] = ins.args.split(/=(.*)/s);
      args.set(k, v);
    }
  }
  return stages;
}

/** What is wrong with the Dockerfile, given its .dockerignore and the build context on disk. */
function dockerfileProblems(text: string, ignoreText: string, context: string): string[] {
  const problems: string[] = [];
  const stages = parseDockerfile(text);
  if (stages.length < 2) return ['not multi-stage'];
  const names = new Set<string>();
  for (const st of stages) {
    if (!/^node:24[-.]/.test(st.image) && !names.has(st.image))
      problems.push(`stage ${st.name} is based on ${st.image}, not a node:24 image`);
    if (st.name) names.add(st.name);
  }
  const [build, final] = [stages[0], stages[stages.length - 1]];
  const all = (st: Stage, word: string) =>
    st.instructions
      .filter((i) => i.word === word)
      .map((i) => i.args)
      .join(' ');
  if (!all(build, 'RUN').includes('npm ci') || !all(build, 'RUN').includes('npm run build'))
    problems.push('the build stage must run npm ci and npm run build');
  if (!/npm ci [^&;]*--omit=dev[^&;]*--ignore-scripts/.test(all(final, 'RUN')))
    problems.push('the runtime stage must install with npm ci --omit=dev --ignore-scripts');
  if (!all(final, 'RUN').includes('/usr/local/bin/ops')) problems.push('no /usr/local/bin/ops wrapper');
  for (const word of ['USER', 'HEALTHCHECK', 'EXPOSE', 'ENV', 'CMD'])
    if (!final.instructions.some((i) => i.word === word)) problems.push(`the runtime stage has no ${word}`);
  const argNames = final.instructions.filter((i) => i.word === 'ARG').map((i) => i.args.split('=')[0]);
  for (const arg of ['API_ENTRY', 'OPS_ENTRY'])
    if (!argNames.includes(arg)) problems.push(`ARG ${arg} missing in the runtime stage`);
  const user = final.instructions.filter((i) => i.word === 'USER').pop()?.args;
  if (user && !/^[1-9][0-9]*(:[1-9][0-9]*)?$/.test(user))
    problems.push(`USER ${user} must be a numeric non-root UID`);
  const health = all(final, 'HEALTHCHECK');
  if (health && !(health.includes('/health/live') && health.includes('node')))
    problems.push('HEALTHCHECK must call /health/live with node');
  if (!all(final, 'EXPOSE').includes('3000')) problems.push('EXPOSE 3000 missing');
  if (!all(final, 'ENV').includes('NODE_ENV=production')) problems.push('ENV NODE_ENV=production missing');

  const ignore = dockerignore({ ignorecase: false }).add(ignoreText.split('\n'));
  for (const st of stages)
    for (const ins of st.instructions.filter((i) => i.word === 'COPY' || i.word === 'ADD')) {
      const parts = ins.args.split(/\s+/);
      const from = parts.find((p) => p.startsWith('--from='))?.slice('--from='.length);
      if (from !== undefined) {
        if (!names.has(from)) problems.push(`COPY --from=${from}: no such stage`);
        continue;
      }
      for (const src of parts.filter((p) => !p.startsWith('--')).slice(0, -1)) {
        const rel = path.normalize(src);
        if (!existsSync(path.join(context, rel)))
          problems.push(`COPY source ${src} does not exist in the build context`);
        else if (ignore.ignores(rel)) problems.push(`COPY source ${src} is excluded by .dockerignore`);
      }
    }
  for (const must of ['node_modules', 'dist', '.git', '.env', '.data', '.tools', 'coverage'])
    if (!ignore.ignores(must)) problems.push(`.dockerignore: ${must} is not excluded`);
  return problems;
}

describe('deploy/docker/Dockerfile and .dockerignore', () => {
  const dockerfile = readFileSync(path.join(ROOT, 'deploy/docker/Dockerfile'), 'utf8');
  const ignoreText = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8');

  it('builds on Node 24 in stages and runs as a numeric non-root user with a health check', () => {
    expect(parseDockerfile(dockerfile).map((s) => [s.name, s.image])).toEqual([
      ['build', 'node:24-bookworm-slim'],
      ['runtime', 'node:24-bookworm-slim'],
    ]);
    expect(dockerfileProblems(dockerfile, ignoreText, ROOT)).toEqual([]);
  });

  it('would refuse a root user, dev dependencies, a missing or ignored COPY source and a lax .dockerignore', () => {
    const broken = dockerfile
      .replace('USER 10001:10001', 'USER app')
      .replace('--omit=dev ', '')
      .replace('COPY apps ./apps', 'COPY apps ./apps\nCOPY no-such-dir ./x\nCOPY docs ./docs');
    expect(dockerfileProblems(broken, ignoreText.replace(/^\.tools$/m, ''), ROOT)).toEqual([
      'the runtime stage must install with npm ci --omit=dev --ignore-scripts',
      'USER app must be a numeric non-root UID',
      'COPY source no-such-dir does not exist in the build context',
      'COPY source docs is excluded by .dockerignore',
      '.dockerignore: .tools is not excluded',
    ]);
    expect(dockerfileProblems('FROM node:24-slim\nRUN true\n', '', ROOT)).toEqual(['not multi-stage']);
  });
});
