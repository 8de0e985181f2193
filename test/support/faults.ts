import { execFileSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { ManagedService } from './embedded';

/**
 * Crashes a service started by this test (SIGKILL: no shutdown, no goodbye to its clients) and waits
 * until it is gone. `service.start()` runs it again on the same port and data folder.
 */
export async function crash(service: ManagedService): Promise<void> {
  // The embedded services run under a supervisor shell; the service is its non-shell child.
  const supervisor = (service as ManagedService & { child: ChildProcess | null }).child;
  if (!supervisor?.pid) throw new Error('the service is not running');
  const children = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(supervisor.pid)], {
    encoding: 'utf8',
  })
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, comm]) => comm !== 'bash');
  if (children.length !== 1) throw new Error(`cannot tell the service process apart: ${children.join('; ')}`);
  const exited = new Promise((resolve) => supervisor.once('exit', resolve));
  process.kill(Number(children[0][0]), 'SIGKILL');
  await exited;
  // ManagedService forgets its child on exit; make sure before a restart.
  while ((service as ManagedService & { child: ChildProcess | null }).child)
    await new Promise((r) => setTimeout(r, 10));
}
