import { ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { embedded } from './embedded';
import { SUPERVISOR } from './prometheus';

const MODULE = 'github.com/johannesboyne/gofakes3/cmd/gofakes3@v1.2.0';

/** A real S3-compatible server (gofakes3, in memory) on 127.0.0.1 for one test file. */
export interface S3Server {
  /** http://127.0.0.1:PORT, for AWS_ENDPOINT_URL. */
  endpoint: string;
  bucket: string;
  /** The environment an ops command needs to reach it (path-style, dummy credentials). */
  env: Record<string, string>;
  pid: number | undefined;
  log(): string;
  stop(): Promise<void>;
}

/** The gofakes3 binary: $(go env GOPATH)/bin/gofakes3, installed with `go install` when missing. */
export function ensureGofakes3(): string {
  const go = embedded.goBin();
  if (!go) throw new Error('gofakes3 needs the Go toolchain (https://go.dev/doc/install) to be installed');
  const gopath = spawnSync(go, ['env', 'GOPATH'], { encoding: 'utf8' }).stdout.trim();
  const bin = path.join(gopath, 'bin', 'gofakes3');
  if (existsSync(bin)) return bin;
  const inst = spawnSync(go, ['install', MODULE], { encoding: 'utf8', timeout: 300_000 });
  if (inst.status !== 0 || !existsSync(bin))
    throw new Error(`go install ${MODULE} failed (exit ${inst.status}):\n${inst.stderr}`);
  return bin;
}

/**
 * Starts gofakes3 with its in-memory backend and one bucket, under a supervisor shell that stops
 * it when the test process goes away; resolves once it answers HTTP.
 */
export async function startS3(bucket = 'backups'): Promise<S3Server> {
  const binary = ensureGofakes3();
  const port = await embedded.freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child: ChildProcessWithoutNullStreams = spawn('bash', [
    '-c',
    SUPERVISOR,
    'gofakes3',
    binary,
    '-backend',
    'memory',
    '-initialbucket',
    bucket,
    '-host',
    `127.0.0.1:${port}`,
    '-quiet',
  ]);
  let output = '';
  let pid: number | undefined;
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-8000);
    pid ??= Number(output.match(/^pid (\d+)$/m)?.[1]) || undefined;
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
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
    if (!running) throw new Error(`gofakes3 exited during start:\n${output}`);
    const up = await fetch(`${endpoint}/${bucket}`).then(
      (r) => r.status < 500,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`gofakes3 did not answer within 20 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    endpoint,
    bucket,
    env: {
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test-access-key',
      AWS_SECRET_ACCESS_KEY: 'test-secret-key-do-not-log',
    },
    pid,
    log: () => output,
    stop,
  };
}
