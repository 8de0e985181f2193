import net from 'node:net';

/**
 * A TCP proxy on a free loopback port in front of a real service, for fault injection: every chunk
 * in either direction can be held back by `delayMs` (order kept), so the API sees a slow dependency
 * without the service itself changing.
 */
export class TcpProxy {
  /** Added to every chunk in both directions; change it at any time (0: pass straight through). */
  delayMs = 0;
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly targetPort: number,
    private readonly targetHost: string,
  ) {
    this.server = net.createServer((client) => this.pipe(client));
  }

  /** Starts a proxy to `targetHost:targetPort`; its `port` is where clients connect instead. */
  static async start(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetPort, targetHost);
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** Connections currently open through the proxy (each is a client/upstream pair). */
  get connections(): number {
    return this.sockets.size / 2;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private pipe(client: net.Socket): void {
    const upstream = net.connect(this.targetPort, this.targetHost);
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.setNoDelay(true);
      s.on('close', () => this.sockets.delete(s));
    }
    const forward = this.delayed(upstream);
    const back = this.delayed(client);
    client.on('data', forward);
    upstream.on('data', back);
    // Either side going away ends the other once what was already sent has been delivered.
    client.on('close', () => this.after(() => upstream.destroy()));
    upstream.on('close', () => this.after(() => client.destroy()));
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
  }

  /** A writer to `to` that holds each chunk for the current delay, never reordering chunks. */
  private delayed(to: net.Socket): (chunk: Buffer) => void {
    let last = 0;
    return (chunk) => {
      if (this.delayMs <= 0 && last <= Date.now()) {
        to.write(chunk);
        return;
      }
      const at = Math.max(Date.now() + this.delayMs, last);
      last = at;
      setTimeout(() => {
        if (!to.destroyed) to.write(chunk);
      }, at - Date.now());
    };
  }

  private after(fn: () => void): void {
    if (this.delayMs <= 0) fn();
    else setTimeout(fn, this.delayMs);
  }
}
