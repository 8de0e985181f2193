import { RedisStats, RedisStatsService } from '@app/cache';
import { Option, SubCommand } from 'nest-commander';
import { Output } from '../cli/output';
import {
  bytes,
  exitCodeFor,
  intOption,
  Level,
  levelMark,
  percent,
  StrictCheckCommand,
  StrictFlags,
} from './check-shared';

interface Flags extends StrictFlags {
  maxKeys?: string;
}

export interface CacheFinding {
  check: string;
  level: Level;
  message: string;
}

/** Below this hit rate the cache is not doing its job. */
export const MIN_HIT_RATE = 0.7;
/** The hit rate is judged only after this many lookups, so an idle server does not warn. */
const MIN_LOOKUPS = 100;

export function cacheFindings(s: RedisStats): CacheFinding[] {
  const lookups = s.keyspaceHits + s.keyspaceMisses;
  const findings: CacheFinding[] = [];
  findings.push(
    s.hitRate === null || lookups < MIN_LOOKUPS
      ? {
          check: 'hit_rate',
          level: 'info',
          message: `hit rate ${percent(s.hitRate)} over ${lookups} lookups (too few to judge)`,
        }
      : {
          check: 'hit_rate',
          level: s.hitRate < MIN_HIT_RATE ? 'warn' : 'ok',
          message: `hit rate ${percent(s.hitRate)} (${s.keyspaceHits} hits, ${s.keyspaceMisses} misses; warn under ${percent(MIN_HIT_RATE)})`,
        },
  );
  const used = s.maxMemoryBytes > 0 ? s.usedMemoryBytes / s.maxMemoryBytes : null;
  findings.push({
    check: 'memory',
    level: used !== null && used > 0.9 ? 'warn' : 'ok',
    message: `memory ${bytes(s.usedMemoryBytes)} used${s.maxMemoryBytes > 0 ? ` of ${bytes(s.maxMemoryBytes)} (${percent(used)})` : ', no maxmemory limit'}, eviction policy ${s.maxMemoryPolicy}`,
  });
  if (s.maxMemoryPolicy.startsWith('allkeys-')) {
    findings.push({
      check: 'eviction_policy',
      level: 'warn',
      message: `maxmemory-policy ${s.maxMemoryPolicy} may evict keys without an expiry, the IP deny list among them (prefer volatile-lru)`,
    });
  }
  findings.push({
    check: 'evictions',
    level: s.evictedKeys > 0 ? 'warn' : 'ok',
    message: `${s.evictedKeys} keys evicted for memory (${s.expiredKeys} expired normally)`,
  });
  return findings;
}

@SubCommand({
  name: 'cache',
  description:
    'Redis hit rate (warn under 70%), memory, evictions and key counts by prefix; warnings exit 1 only with --strict',
})
export class CheckCacheCommand extends StrictCheckCommand {
  constructor(private readonly redis: RedisStatsService) {
    super();
  }

  async run(_args: string[], flags: Flags): Promise<void> {
    const out = new Output(!!flags.json);
    const maxKeys = intOption(flags.maxKeys, '--max-keys', 1, 200_000);
    await this.redis.ensureConnected(2000);
    let reported = 0;
    const started = Date.now();
    const stats = await this.redis.stats({
      maxKeys,
      onProgress: (n) => {
        if (Date.now() - started > 1000 && n - reported >= 10_000) {
          out.progress(`scanned ${n} keys…`);
          reported = n;
        }
      },
    });
    const findings = cacheFindings(stats);
    out.line(
      `redis ${stats.version}: ${stats.keys} keys in this database, ${stats.connectedClients} clients`,
    );
    for (const f of findings) out.line(`[${levelMark(f.level)}] ${f.message}`);
    out.line(`keys by prefix${stats.scanTruncated ? ` (first ${stats.scannedKeys} keys only)` : ''}:`);
    for (const p of stats.prefixes) out.line(`  ${p.prefix.padEnd(24)} ${String(p.keys).padStart(9)}`);
    if (stats.prefixes.length === 0) out.line('  (none)');
    out.result({
      ok: !findings.some((f) => f.level === 'warn' || f.level === 'fail'),
      strict: !!flags.strict,
      findings,
      ...stats,
    });
    process.exitCode = exitCodeFor(
      findings.map((f) => f.level),
      !!flags.strict,
    );
  }

  @Option({ flags: '--max-keys <n>', description: 'stop counting keys after this many (default 200000)' })
  parseMaxKeys(value: string): string {
    return value;
  }
}
