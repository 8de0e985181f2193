/** The project's service script, shared with `npm start`: tests start services exactly as it does. */
export interface ManagedService {
  port: number;
  uri: string;
  start(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface EmbeddedServices {
  provideServices(opts: { dataDir: string; reuse?: boolean }): Promise<{
    env: { MONGODB_URI: string; REDIS_URL: string };
    stop(): Promise<void>;
  }>;
  /** FerretDB on a PostgreSQL cluster of its own under dataDir (crashing FerretDB leaves the cluster up). */
  createFerretdb(opts: { dataDir: string }): Promise<ManagedService>;
  createRedis(opts: { dataDir: string; cluster?: boolean }): Promise<ManagedService>;
  freePort(): Promise<number>;
  /** The Go toolchain (`go` on PATH or /usr/local/go/bin/go), or null. */
  goBin(): string | null;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const embedded = require('../../scripts/lib/embedded.cjs') as EmbeddedServices;
