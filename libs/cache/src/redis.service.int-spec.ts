import net from 'node:net';
import { testConfig, sharedServices } from '../../../test/support/test-env';
import { TcpProxy } from '../../../test/support/tcp-proxy';
import { RedisService } from './redis.service';

/** A loopback port with nothing listening: connections are refused and the client keeps reconnecting. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('RedisService.whenReady (real redis-server)', () => {
  const services: RedisService[] = [];
  const proxies: TcpProxy[] = [];

  afterAll(async () => {
    await Promise.all(services.map((s) => s.onApplicationShutdown()));
    await Promise.all(proxies.map((p) => p.close()));
  });

  async function serviceAt(port: number): Promise<RedisService> {
    const config = await testConfig({ REDIS_URL: `redis://127.0.0.1:${port}/0` });
    const service = new RedisService(config);
    services.push(service);
    return service;
  }

  it('waits for a connection that opens slowly, past the bound a ping alone would hit (a CLI starting on a loaded machine)', async () => {
    const target = new URL(sharedServices().redisUrl);
    const proxy = await TcpProxy.start(Number(target.port), target.hostname);
    proxies.push(proxy);
    // Each round trip of the handshake takes 400 ms: longer than the ping bound below, shorter than
    // the command timeout (500 ms) that would fail the handshake itself.
    proxy.delayMs = 200;
    const redis = await serviceAt(proxy.port);

    await expect(redis.ping(300)).rejects.toThrow(/redis PING/);
    await redis.whenReady(10_000);
    expect(redis.isReady).toBe(true);
    proxy.delayMs = 0;
    await expect(redis.ping(2000)).resolves.toBeGreaterThanOrEqual(0);
    // Ready already: no wait, and no listener left behind on the client.
    const listeners = redis.client.listenerCount('ready');
    await redis.whenReady(1);
    expect(redis.client.listenerCount('ready')).toBe(listeners);
  });

  it('rejects within its bound, naming the wait, when nothing answers', async () => {
    const redis = await serviceAt(await closedPort());
    const listeners = redis.client.listenerCount('ready');
    await expect(redis.whenReady(300)).rejects.toThrow(/connecting to Redis/);
    expect(redis.client.status).not.toBe('ready');
    expect(redis.client.listenerCount('ready')).toBe(listeners);
  });
});
