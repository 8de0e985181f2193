import { existsSync, lstatSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { DASHBOARD_FILE, RULES_FILE } from '../support/chart';
import { ROOT } from '../support/cli';

// `docker compose config -q` (scripts/deploy/check.sh) checks the syntax; these check what it does not.

const file = path.join(ROOT, 'deploy/compose/docker-compose.yml');
const base = path.dirname(file);
const compose = parse(readFileSync(file, 'utf8')) as {
  services: Record<
    string,
    {
      image?: string;
      build?: string | { context?: string; dockerfile?: string };
      volumes?: (string | { type?: string; source?: string })[];
    }
  >;
};

/** Bind mounts relative to the compose file (named volumes and the host's / are not files of ours). */
const mounts = Object.entries(compose.services).flatMap(([name, svc]) =>
  (svc.volumes ?? [])
    .map((v) => (typeof v === 'string' ? v.split(':')[0] : v.type === 'bind' ? (v.source ?? '') : ''))
    .filter((src) => src.startsWith('.'))
    .map((src) => ({ name, src, full: path.resolve(base, src) })),
);

describe('deploy/compose/docker-compose.yml', () => {
  it('runs the app, its data stores (MongoDB 7, Redis 7) and the monitoring stack', () => {
    expect(Object.keys(compose.services)).toEqual(
      expect.arrayContaining(['app', 'mongo', 'redis', 'prometheus', 'alertmanager', 'grafana']),
    );
    expect(compose.services.mongo.image).toMatch(/^mongo:7/);
    expect(compose.services.redis.image).toMatch(/^redis:7/);
  });

  it('builds from a context and Dockerfile that exist', () => {
    const builds = Object.entries(compose.services).filter(([, s]) => s.build);
    expect(builds.length).toBeGreaterThan(0);
    for (const [name, svc] of builds) {
      const build = typeof svc.build === 'string' ? { context: svc.build } : svc.build!;
      const context = path.resolve(base, build.context ?? '.');
      const dockerfile = path.resolve(context, build.dockerfile ?? 'Dockerfile');
      expect({ name, context: existsSync(context), dockerfile: existsSync(dockerfile) }).toEqual({
        name,
        context: true,
        dockerfile: true,
      });
    }
  });

  it('bind-mounts files and folders that exist and are no symlinks (a link breaks inside the container)', () => {
    expect(mounts.length).toBeGreaterThanOrEqual(5);
    expect(mounts.filter((m) => !existsSync(m.full))).toEqual([]);
    expect(mounts.filter((m) => lstatSync(m.full).isSymbolicLink())).toEqual([]);
  });

  it('mounts the chart’s copy of the alert rules and of the dashboard', () => {
    const mounted = mounts.map((m) => m.full);
    expect(mounted).toEqual(expect.arrayContaining([RULES_FILE, DASHBOARD_FILE]));
  });
});
