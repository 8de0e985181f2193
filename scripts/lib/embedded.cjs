// Embedded development/test services: FerretDB (MongoDB wire protocol) on a PostgreSQL cluster of
// our own, and redis-server.
//
// Each service runs on a free loopback port under a supervisor shell that kills it as soon as our
// process goes away (its stdin pipe closes), so not even a SIGKILL of the parent leaves an orphan.
// Used by `npm start`, `npm test` (CommonJS so Jest can load it too), `npm run ops` and `npm run services`.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  writeFileSync,
  rmSync,
  cpSync,
  chmodSync,
  chownSync,
  statSync,
} = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const FERRETDB_VERSION = 'v1.24.2';
const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';
const SHARED_REDIS_PORT = 6379;
const SHARED_POSTGRES_PORT = 5432;
const RESERVED_PORTS = new Set([SHARED_REDIS_PORT, SHARED_POSTGRES_PORT]);

const log = (msg) => process.stderr.write(`[services] ${msg}\n`);

class ServiceError extends Error {}

function run(cmd, args, opts = {}) {
  return spawnSync(cmd, args, { encoding: 'utf8', ...opts });
}

function which(cmd) {
  const r = run('bash', ['-c', `command -v ${cmd}`]);
  return r.status === 0 ? r.stdout.trim() : null;
}

function goBin() {
  const go = which('go') ?? (existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : null);
  return go;
}

function ferretWorks(bin) {
  if (!bin || !existsSync(bin)) return false;
  const r = run(bin, ['--version'], { timeout: 10_000 });
  return r.status === 0 && r.stdout.includes(FERRETDB_VERSION);
}

/** Finds a working ferretdb binary, installing it with the Go toolchain when missing. */
function ensureFerretdb() {
  const go = goBin();
  const gobin = go ? path.join(run(go, ['env', 'GOPATH']).stdout.trim(), 'bin') : null;
  const candidates = [which('ferretdb'), gobin && path.join(gobin, 'ferretdb')];
  for (const c of candidates) if (ferretWorks(c)) return c;
  if (!go) {
    throw new ServiceError(
      `ferretdb ${FERRETDB_VERSION} is missing and Go is not installed: install Go (https://go.dev/doc/install), ` +
        `or set MONGODB_URI to an existing MongoDB.`,
    );
  }
  const target = path.join(gobin, 'ferretdb');
  log(`installing ferretdb ${FERRETDB_VERSION} with go install (first run only; takes a minute)…`);
  const inst = run(go, ['install', `${FERRETDB_MODULE}/cmd/ferretdb@${FERRETDB_VERSION}`], {
    stdio: 'inherit',
  });
  if (inst.status !== 0)
    throw new ServiceError(`go install of ferretdb failed (exit ${inst.status}); see the output above`);
  if (ferretWorks(target)) return target;
  // A plain `go install` build lacks build/version/version.txt, which FerretDB's release tooling
  // generates, and the binary panics at start. Rebuild from the same module source with the file.
  log('the go-installed ferretdb lacks its version file; rebuilding it from the module source…');
  const dl = run(go, ['mod', 'download', '-json', `${FERRETDB_MODULE}@${FERRETDB_VERSION}`]);
  if (dl.status !== 0) throw new ServiceError(`go mod download of ferretdb failed: ${dl.stderr.trim()}`);
  const src = JSON.parse(dl.stdout).Dir;
  const work = path.join(os.tmpdir(), `ferretdb-build-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  cpSync(src, work, { recursive: true });
  run('chmod', ['-R', 'u+w', work]);
  writeFileSync(path.join(work, 'build/version/version.txt'), `${FERRETDB_VERSION}\n`);
  const build = run(go, ['build', '-o', target, './cmd/ferretdb'], { cwd: work, stdio: 'inherit' });
  rmSync(work, { recursive: true, force: true });
  if (build.status !== 0 || !ferretWorks(target))
    throw new ServiceError('building ferretdb from its module source failed');
  chmodSync(target, 0o755);
  return target;
}

/** Installs Debian packages with apt-get when running as root; returns whether it succeeded. */
function aptInstall(pkg) {
  log(`installing ${pkg} with apt-get (first run only)…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update'], { stdio: 'inherit', env });
  const r = run('apt-get', ['install', '-y', '--no-install-recommends', pkg], { stdio: 'inherit', env });
  return r.status === 0;
}

const isRoot = () => process.getuid?.() === 0;

/** Finds redis-server, installing Debian's package when missing and running as root. */
function ensureRedis() {
  const found = which('redis-server');
  if (found) return found;
  if (!isRoot()) {
    throw new ServiceError(
      'redis-server is missing: install it with `sudo apt-get install redis-server`, or set REDIS_URL to an existing Redis.',
    );
  }
  // The package starts a system service on 6379; that one is the machine's, not ours, so leave it be.
  const ok = aptInstall('redis-server');
  const bin = which('redis-server');
  if (!ok || !bin) throw new ServiceError('apt-get install redis-server failed; see the output above');
  return bin;
}

const DEBIAN_POSTGRES = '/usr/lib/postgresql';

/** The folder of the newest PostgreSQL server binaries: Debian's /usr/lib/postgresql/<version>/bin, else PATH's. */
function findPostgresBin() {
  if (existsSync(DEBIAN_POSTGRES)) {
    const versions = readdirSync(DEBIAN_POSTGRES)
      .filter((v) => /^\d+(\.\d+)?$/.test(v) && existsSync(path.join(DEBIAN_POSTGRES, v, 'bin', 'postgres')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions.length) return path.join(DEBIAN_POSTGRES, versions[0], 'bin');
  }
  const onPath = which('postgres');
  return onPath && existsSync(path.join(path.dirname(onPath), 'initdb')) ? path.dirname(onPath) : null;
}

/** Finds the PostgreSQL server binaries, installing Debian's package when missing and running as root. */
function ensurePostgres() {
  const found = findPostgresBin();
  if (found) return found;
  if (!isRoot()) {
    throw new ServiceError(
      'PostgreSQL is missing: install it with `sudo apt-get install postgresql`, or set MONGODB_URI to an existing MongoDB.',
    );
  }
  // Like redis-server, the package may start the machine's own cluster on 5432; we never use it.
  const ok = aptInstall('postgresql');
  const bin = findPostgresBin();
  if (!ok || !bin) throw new ServiceError('apt-get install postgresql failed; see the output above');
  return bin;
}

// PostgreSQL refuses to run as root, so as root its programs run as the `postgres` user (which
// Debian's package creates); setpriv execs in place, so the supervisor's signal reaches postgres itself.
const POSTGRES_USER = 'postgres';
function asPostgresUser(bin, args) {
  if (!isRoot()) return [bin, args];
  return [
    'setpriv',
    ['--reuid', POSTGRES_USER, '--regid', POSTGRES_USER, '--init-groups', '--', bin, ...args],
  ];
}

function postgresIds() {
  const r = run('id', ['-u', POSTGRES_USER]);
  const g = run('id', ['-g', POSTGRES_USER]);
  if (r.status !== 0 || g.status !== 0)
    throw new ServiceError(`there is no \`${POSTGRES_USER}\` user to run PostgreSQL as (running as root)`);
  return { uid: Number(r.stdout), gid: Number(g.stdout) };
}

/** Creates the cluster in `dir` on first use (owned by the postgres user when running as root). */
function initCluster(binDir, dir) {
  if (existsSync(path.join(dir, 'PG_VERSION'))) return;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (isRoot()) {
    const { uid, gid } = postgresIds();
    chownSync(dir, uid, gid);
    // The data folder may be a private temporary one (mkdtemp's 0700): let others pass through it.
    const parent = path.dirname(dir);
    chmodSync(parent, statSync(parent).mode | 0o011);
    const reach = run(...asPostgresUser('test', ['-w', dir]));
    if (reach.status !== 0) {
      throw new ServiceError(
        `the \`${POSTGRES_USER}\` user cannot reach ${dir} (PostgreSQL does not run as root): ` +
          'keep the project in a folder every user can traverse, or set MONGODB_URI to an existing MongoDB.',
      );
    }
  }
  // Trust on loopback only, like the embedded FerretDB and Redis: a development machine's services.
  const [cmd, args] = asPostgresUser(path.join(binDir, 'initdb'), [
    '-D',
    dir,
    '-U',
    POSTGRES_USER,
    '--auth=trust',
    '--encoding=UTF8',
    '--locale=C',
    '--no-instructions',
  ]);
  const r = run(cmd, args, { cwd: dir });
  if (r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new ServiceError(`initdb failed:\n${(r.stderr || r.stdout).trim()}`);
  }
}

// Unix sockets go in the data folder (never /var/run); a socket path must fit in 107 bytes.
const socketDirFor = (dir) => (dir.length + '/.s.PGSQL.65535.lock'.length < 100 ? dir : '');

/**
 * A PostgreSQL cluster of our own in `<dataDir>/postgres`, on a free loopback port, in the foreground
 * under the supervisor: SIGINT is its fast shutdown (ends sessions, checkpoints, exits).
 * `durable: false` (tests, benchmarks) drops fsync: a crash of the machine may lose that data, nothing else.
 */
async function createPostgres({ dataDir, port, durable = true }) {
  const binDir = ensurePostgres();
  const dir = path.join(dataDir, 'postgres');
  initCluster(binDir, dir);
  port ??= await freePort();
  const settings = {
    listen_addresses: '127.0.0.1',
    port: String(port),
    unix_socket_directories: socketDirFor(dir),
    // FerretDB's pool below (pool_max_conns) plus room for psql and the maintenance workers.
    max_connections: '250',
    shared_buffers: '64MB',
    effective_cache_size: '256MB',
    work_mem: '4MB',
    maintenance_work_mem: '32MB',
    max_wal_size: '256MB',
    max_worker_processes: '4',
    max_parallel_workers_per_gather: '0',
    synchronous_commit: 'off',
    log_min_messages: 'warning',
    logging_collector: 'off',
    ...(durable ? {} : { fsync: 'off', full_page_writes: 'off' }),
  };
  const [cmd, args] = asPostgresUser(path.join(binDir, 'postgres'), [
    '-D',
    dir,
    ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
  ]);
  const svc = new ManagedService('postgres', cmd, args, {
    ready: () => postgresReady(binDir, port),
    stopSignal: 'INT',
    cwd: dir,
  });
  svc.port = port;
  svc.binDir = binDir;
  svc.dir = dir;
  // A larger pool than FerretDB's default 50: an update command holds one connection per statement
  // until it ends (MAX_UPDATE_STATEMENTS in libs/database), and a whole test run shares the server.
  svc.uri = `postgres://${POSTGRES_USER}@127.0.0.1:${port}/ferretdb?pool_max_conns=200`;
  const start = svc.start.bind(svc);
  svc.start = async (timeoutMs) => {
    await start(timeoutMs);
    ensureDatabase(binDir, port, 'ferretdb');
  };
  return svc;
}

function postgresReady(binDir, port) {
  const r = run(path.join(binDir, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(port), '-t', '1']);
  return Promise.resolve(r.status === 0);
}

/** Creates the database FerretDB keeps its data in, once. */
function ensureDatabase(binDir, port, name) {
  const conn = ['-h', '127.0.0.1', '-p', String(port), '-U', POSTGRES_USER];
  const exists = run(path.join(binDir, 'psql'), [
    ...conn,
    '-d',
    'postgres',
    '-tAc',
    `SELECT 1 FROM pg_database WHERE datname = '${name}'`,
  ]);
  if (exists.status !== 0) throw new ServiceError(`cannot query PostgreSQL: ${exists.stderr.trim()}`);
  if (exists.stdout.trim() === '1') return;
  const r = run(path.join(binDir, 'createdb'), [...conn, name]);
  if (r.status !== 0) throw new ServiceError(`createdb ${name} failed: ${r.stderr.trim()}`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => (RESERVED_PORTS.has(port) ? freePort().then(resolve, reject) : resolve(port)));
    });
  });
}

// The supervisor: runs "$@" (after the stop signal, $1) in the background; a reader on the original
// stdin sends it that signal at EOF (our process closed the pipe or died); the shell exits with the
// service's own exit code.
const SUPERVISOR =
  'sig=$1; shift; exec 3<&0; "$@" </dev/null & pid=$!; { read -r _ <&3; kill -$sig $pid 2>/dev/null; } & reader=$!; wait $pid; code=$?; kill $reader 2>/dev/null; exit $code';

/** One supervised service process; `stop()` ends it and waits; `start()` runs it again on the same port. */
class ManagedService {
  constructor(name, bin, args, { logFile, ready, stopSignal = 'TERM', cwd }) {
    Object.assign(this, { name, bin, args, logFile, ready, stopSignal, cwd });
    this.child = null;
  }

  async start(timeoutMs = 30_000) {
    if (this.child) return;
    const child = spawn('bash', ['-c', SUPERVISOR, this.name, this.stopSignal, this.bin, ...this.args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      cwd: this.cwd,
    });
    this.child = child;
    let output = '';
    const keep = (d) => {
      output = (output + d).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('exit', () => {
      if (this.child === child) this.child = null;
    });
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.child) throw new ServiceError(`${this.name} exited during start:\n${output.trim()}`);
      if (await this.ready().catch(() => false)) return;
      await sleep(100);
    }
    await this.stop();
    throw new ServiceError(`${this.name} did not answer within ${timeoutMs / 1000}s:\n${output.trim()}`);
  }

  async stop() {
    const child = this.child;
    if (!child) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    this.child = null;
  }

  /** Synchronous best effort for process 'exit' handlers: closing stdin makes the supervisor stop it. */
  stopSync() {
    this.child?.stdin.destroy();
  }
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

function tcpExchange(port, payload, expect, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    let buf = '';
    const done = (ok) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.on('error', () => done(false));
    sock.on('connect', () => (payload ? sock.write(payload) : null));
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      if (buf.includes(expect)) done(true);
    });
  });
}

// A minimal OP_MSG {ping: 1} against admin, so readiness means "answers MongoDB commands", not just "accepts TCP".
function mongoPingMessage() {
  const bson = Buffer.from([
    ...int32(0), // placeholder length
    0x10,
    ...Buffer.from('ping\0'),
    ...int32(1),
    0x02,
    ...Buffer.from('$db\0'),
    ...int32(6),
    ...Buffer.from('admin\0'),
    0x00,
  ]);
  bson.writeInt32LE(bson.length, 0);
  const body = Buffer.concat([int32b(0), Buffer.from([0]), bson]); // flagBits, section kind 0
  const header = Buffer.concat([int32b(16 + body.length), int32b(1), int32b(0), int32b(2013)]);
  return Buffer.concat([header, body]);
}
function int32(n) {
  const b = Buffer.alloc(4);
  b.writeInt32LE(n);
  return [...b];
}
function int32b(n) {
  const b = Buffer.alloc(4);
  b.writeInt32LE(n);
  return b;
}

function pingMongo(port) {
  // The reply document holds {ok: 1.0}: the double 1.0 is 00 00 00 00 00 00 f0 3f.
  return tcpExchange(port, mongoPingMessage(), 'ok\0\0\0\0\0\0\0\xf0\x3f');
}

function pingRedis(port) {
  return tcpExchange(port, 'PING\r\n', '+PONG');
}

/**
 * FerretDB on PostgreSQL: on `postgresUrl` when given, else on a cluster of its own under dataDir,
 * which `start()` starts first and `stop()` stops last. Stopping or crashing FerretDB alone leaves
 * that cluster running, so `start()` brings FerretDB back on the same data.
 */
async function createFerretdb({ dataDir, port, debugPort, postgresUrl, durable = false }) {
  const bin = ensureFerretdb();
  const stateDir = path.join(dataDir, 'ferretdb');
  mkdirSync(stateDir, { recursive: true });
  const postgres = postgresUrl ? null : await createPostgres({ dataDir, durable });
  port ??= await freePort();
  debugPort ??= await freePort();
  const args = [
    '--handler=postgresql',
    `--postgresql-url=${postgresUrl ?? postgres.uri}`,
    '--telemetry=disable',
    `--listen-addr=127.0.0.1:${port}`,
    `--debug-addr=127.0.0.1:${debugPort}`,
    `--state-dir=${stateDir}`,
    '--log-level=warn',
  ];
  const svc = new ManagedService('ferretdb', bin, args, { ready: () => pingMongo(port) });
  svc.port = port;
  svc.uri = `mongodb://127.0.0.1:${port}/calendar`;
  svc.postgres = postgres;
  if (postgres) {
    const [start, stop, stopSync] = [svc.start.bind(svc), svc.stop.bind(svc), svc.stopSync.bind(svc)];
    svc.start = async (timeoutMs) => {
      await postgres.start(timeoutMs);
      await start(timeoutMs);
    };
    svc.stop = async () => {
      await stop();
      await postgres.stop();
    };
    svc.stopSync = () => {
      stopSync();
      postgres.stopSync();
    };
  }
  return svc;
}

function portFree(port) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** A free port whose Redis Cluster bus port (port + 10000) is free too. */
async function freeClusterPort() {
  for (;;) {
    const port = await freePort();
    if (port + 10000 <= 65535 && (await portFree(port + 10000))) return port;
  }
}

/** A redis-server; with `cluster` a Redis Cluster node (its cluster state in its own folder). */
async function createRedis({ dataDir, port, persist, cluster = false }) {
  const bin = ensureRedis();
  const dir = path.join(dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  port ??= cluster ? await freeClusterPort() : await freePort();
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    persist ? '60 1' : '',
    '--appendonly',
    'no',
    '--daemonize',
    'no',
    '--logfile',
    '',
    '--loglevel',
    'warning',
    ...(cluster ? ['--cluster-enabled', 'yes', '--cluster-config-file', path.join(dir, 'nodes.conf')] : []),
  ];
  const svc = new ManagedService('redis', bin, args, { ready: () => pingRedis(port) });
  svc.port = port;
  svc.uri = `redis://127.0.0.1:${port}`;
  return svc;
}

const STATE_FILE = 'services.json';

/** Reads the addresses that a running `npm start` (or `npm run services`) recorded, if it is still alive. */
function readRecordedServices(dataDir) {
  const file = path.join(dataDir, STATE_FILE);
  if (!existsSync(file)) return null;
  try {
    const state = JSON.parse(readFileSync(file, 'utf8'));
    process.kill(state.pid, 0);
    return state;
  } catch {
    return null;
  }
}

/**
 * Makes MONGODB_URI and REDIS_URL available: the environment's when set, else a running recorded
 * pair under dataDir, else fresh embedded services (recorded when `record` is set).
 * Returns { env, stop } where stop() ends only what this call started.
 */
async function provideServices({ dataDir, persist = false, record = false, reuse = true }) {
  const env = {};
  const started = [];
  const recorded = reuse ? readRecordedServices(dataDir) : null;
  if (process.env.MONGODB_URI) env.MONGODB_URI = process.env.MONGODB_URI;
  else if (recorded?.mongodbUri) env.MONGODB_URI = recorded.mongodbUri;
  if (process.env.REDIS_URL) env.REDIS_URL = process.env.REDIS_URL;
  else if (recorded?.redisUrl) env.REDIS_URL = recorded.redisUrl;

  const stopAll = async () => {
    await Promise.all(started.map((s) => s.stop()));
    if (record && started.length) rmSync(path.join(dataDir, STATE_FILE), { force: true });
  };
  process.once('exit', () => started.forEach((s) => s.stopSync()));

  try {
    if (!env.MONGODB_URI) {
      const ferret = await createFerretdb({ dataDir, durable: persist });
      log(
        `starting PostgreSQL on 127.0.0.1:${ferret.postgres.port} (data: ${ferret.postgres.dir}) ` +
          `and FerretDB ${FERRETDB_VERSION} on 127.0.0.1:${ferret.port}`,
      );
      started.push(ferret);
      await ferret.start();
      env.MONGODB_URI = ferret.uri;
    }
    if (!env.REDIS_URL) {
      const redis = await createRedis({ dataDir, persist });
      log(`starting redis-server on 127.0.0.1:${redis.port}`);
      await redis.start();
      started.push(redis);
      env.REDIS_URL = redis.uri;
    }
  } catch (err) {
    await stopAll();
    throw err;
  }
  if (record && started.length) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(
      path.join(dataDir, STATE_FILE),
      JSON.stringify({ pid: process.pid, mongodbUri: env.MONGODB_URI, redisUrl: env.REDIS_URL }, null, 2) +
        '\n',
    );
  }
  return { env, stop: stopAll, started };
}

/** Stops started services and exits on SIGINT/SIGTERM (once), forwarding the signal to a child first. */
function onShutdown(handler) {
  let stopping = false;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, async () => {
      if (stopping) return;
      stopping = true;
      try {
        await handler(sig);
      } finally {
        process.exit(sig === 'SIGINT' ? 130 : 143);
      }
    });
  }
}

module.exports = {
  FERRETDB_VERSION,
  goBin,
  ServiceError,
  ensureFerretdb,
  ensureRedis,
  ensurePostgres,
  freePort,
  ManagedService,
  sleep,
  pingMongo,
  pingRedis,
  createPostgres,
  createFerretdb,
  createRedis,
  STATE_FILE,
  readRecordedServices,
  provideServices,
  onShutdown,
};
