// wrk on loopback: one warm-up run, then the measured run; parses req/s and latency percentiles.
import { spawnSync } from 'node:child_process';
import os from 'node:os';

/** Two cores or more: the server gets core 0 and the load generator core 1. */
export const PINNED =
  os.availableParallelism() >= 2 && spawnSync('bash', ['-c', 'command -v taskset']).status === 0;

/** `cmd args` pinned to `core` when the machine allows it. */
export const pinned = (core, cmd, args) =>
  PINNED ? ['taskset', ['-c', String(core), cmd, ...args]] : [cmd, args];

export function ensureWrk() {
  const has = () => spawnSync('bash', ['-c', 'command -v wrk']).status === 0;
  if (has()) return;
  if (process.getuid?.() === 0) {
    process.stderr.write('bench: installing wrk with apt-get…\n');
    spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'wrk'], {
      stdio: ['ignore', 2, 2],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  }
  if (!has()) {
    process.stderr.write('bench: wrk is missing: install it with `sudo apt-get install wrk`\n');
    process.exit(2);
  }
}

const UNIT_MS = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function toMs(text) {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text ?? '');
  return m ? Number(m[1]) * UNIT_MS[m[2]] : null;
}

/** Parses wrk's --latency report. */
export function parseWrk(out) {
  const num = (re) => Number(out.match(re)?.[1] ?? NaN);
  const requests = num(/(\d+) requests in/);
  return {
    rps: num(/Requests\/sec:\s+([\d.]+)/),
    p50: toMs(out.match(/\s50%\s+(\S+)/)?.[1]),
    p99: toMs(out.match(/\s99%\s+(\S+)/)?.[1]),
    requests,
    non2xx: num(/Non-2xx or 3xx responses: (\d+)/) || 0,
    errors: (out.match(/Socket errors: (.*)/)?.[1] ?? '').trim() || null,
  };
}

/**
 * Runs wrk (one thread, pinned to core 1) for `warmup` then `duration` against `url`; `args` are
 * extra wrk arguments (-H, -s). Returns the measured run's figures.
 */
export function runWrk({ url, args = [], duration, warmup, connections }) {
  const wrk = (d) => {
    const [cmd, argv] = pinned(1, 'wrk', [
      '-t1',
      `-c${connections}`,
      `-d${d}`,
      '--timeout',
      '30s',
      '--latency',
      ...args,
      url,
    ]);
    const r = spawnSync(cmd, argv, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`wrk failed: ${r.stderr || r.stdout}`);
    return r.stdout;
  };
  if (warmup && warmup !== '0s') wrk(warmup);
  return parseWrk(wrk(duration));
}
