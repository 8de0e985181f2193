import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { embedded, ManagedService } from './embedded';
import { eventually } from './eventually';

const run = promisify(execFile);

export interface RedisCluster {
  /** `host:port` of every node, as REDIS_CLUSTER_NODES takes them. */
  nodes: string[];
  stop(): Promise<void>;
}

/**
 * A Redis Cluster of `size` masters (no replicas) on free loopback ports under dataDir: Debian's
 * redis-server with `--cluster-enabled yes`, joined with `redis-cli --cluster create`.
 */
export async function startRedisCluster(dataDir: string, size = 3): Promise<RedisCluster> {
  const servers: ManagedService[] = [];
  const stop = () => Promise.all(servers.map((s) => s.stop())).then(() => undefined);
  try {
    for (let i = 0; i < size; i++) {
      const server = await embedded.createRedis({ dataDir: path.join(dataDir, `node-${i}`), cluster: true });
      servers.push(server);
      await server.start();
    }
    const nodes = servers.map((s) => `127.0.0.1:${s.port}`);
    await run('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes']);
    // Every node must know the whole slot map before a client is pointed at it.
    const ok = await eventually(async () => {
      const states = await Promise.all(
        servers.map((s) => run('redis-cli', ['-p', String(s.port), 'cluster', 'info']).then((r) => r.stdout)),
      );
      return states.every(
        (info) => /cluster_state:ok/.test(info) && info.includes(`cluster_known_nodes:${size}\r`),
      );
    }, 30_000);
    if (!ok) throw new Error('the Redis Cluster did not become ready');
    return { nodes, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
