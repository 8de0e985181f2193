import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';

/**
 * A real Prometheus server for a test: its own config, rules and TSDB under `dir`, on 127.0.0.1.
 * It runs under a supervisor shell that stops it as soon as the test process goes away (its stdin
 * closes), so a crashed or killed Jest worker leaves no Prometheus behind.
 */
export interface PrometheusServer {
  url: string;
  /** GET <url><path> as JSON (the HTTP API answers `{status, data}`). */
  api<T = any>(apiPath: string): Promise<T>;
  /** Output so far (for failure messages). */
  log(): string;
  /** The Prometheus process id. */
  pid: number | undefined;
  stop(): Promise<void>;
}

// Runs "$@" in the background and prints its pid; a reader on the original stdin TERMs it at EOF.
export const SUPERVISOR =
  'exec 3<&0; "$@" </dev/null & pid=$!; echo "pid $pid"; { read -r _ <&3; kill -TERM $pid 2>/dev/null; } & reader=$!; wait $pid; code=$?; kill $reader 2>/dev/null; exit $code';

export async function startPrometheus(opts: {
  binary: string;
  dir: string;
  port: number;
  rulesFile: string;
  scrapeTargets: Record<string, string[]>;
  interval?: string;
}): Promise<PrometheusServer> {
  const interval = opts.interval ?? '1s';
  mkdirSync(path.join(opts.dir, 'data'), { recursive: true });
  const rules = path.join(opts.dir, path.basename(opts.rulesFile));
  copyFileSync(opts.rulesFile, rules);
  const config = path.join(opts.dir, 'prometheus.yml');
  writeFileSync(
    config,
    stringify({
      global: { scrape_interval: interval, evaluation_interval: interval, scrape_timeout: interval },
      rule_files: [rules],
      scrape_configs: Object.entries(opts.scrapeTargets).map(([job, targets]) => ({
        job_name: job,
        metrics_path: '/metrics',
        static_configs: [{ targets }],
      })),
    }),
  );
  const url = `http://127.0.0.1:${opts.port}`;
  const child: ChildProcessWithoutNullStreams = spawn('bash', [
    '-c',
    SUPERVISOR,
    'prometheus',
    opts.binary,
    `--config.file=${config}`,
    `--storage.tsdb.path=${path.join(opts.dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${opts.port}`,
    '--log.level=warn',
  ]);
  let output = '';
  let pid: number | undefined;
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-8000);
    pid ??= Number(output.match(/^pid (\d+)$/m)?.[1]) || undefined;
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let running = true;
  void exited.then(() => (running = false));

  const stop = async () => {
    if (!running) return;
    child.stdin.end();
    const timer = setTimeout(() => {
      if (pid) process.kill(pid, 'SIGKILL');
      child.kill('SIGKILL');
    }, 10_000);
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + 20_000;
  for (;;) {
    if (!running) throw new Error(`prometheus exited during start:\n${output}`);
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus did not become ready within 20 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    url,
    async api(apiPath) {
      const res = await fetch(url + apiPath);
      const body = (await res.json()) as { status: string; data: unknown; error?: string };
      if (body.status !== 'success') throw new Error(`${apiPath}: ${body.error ?? res.status}`);
      return body.data as any;
    },
    log: () => output,
    pid,
    stop,
  };
}

/** A process id that is no longer running (for "no orphans" checks). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
