import { spawnSync } from 'node:child_process';

/**
 * Installs a Debian package with apt-get when `present()` says it is missing and this runs as root
 * (apt-get update and a retry when the first install fails); otherwise fails with what to do. CI
 * installs nothing before the tests, so the tests bring their own tools, as embedded.cjs does with
 * redis-server and postgresql.
 */
export function ensureDebianPackage(pkg: string, present: () => boolean): void {
  if (present()) return;
  if (process.getuid?.() !== 0)
    throw new Error(
      `Debian's ${pkg} package is missing: install it (sudo apt-get install -y ${pkg}), then run the tests again`,
    );
  process.stderr.write(`[apt] installing ${pkg} (first run only)…\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', pkg], { encoding: 'utf8', env });
  let r = install();
  if (r.status !== 0) {
    spawnSync('apt-get', ['update', '-qq'], { encoding: 'utf8', env });
    r = install();
  }
  if (r.status !== 0 || !present())
    throw new Error(`apt-get install ${pkg} failed (exit ${r.status}):\n${r.stderr || r.stdout}`);
}
