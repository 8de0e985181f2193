import { DbDiagnosticsService, DbPerformanceReport, HotQueryReport, Optional } from '@app/database';
import { Option, SubCommand } from 'nest-commander';
import { Output } from '../cli/output';
import {
  bytes,
  exitCodeFor,
  intOption,
  Level,
  levelMark,
  StrictCheckCommand,
  StrictFlags,
} from './check-shared';

interface Flags extends StrictFlags {
  slowMs?: string;
}

interface Warning {
  check: string;
  message: string;
}

/** A hot query that examines this many documents per returned one (and over 1000 in all) is inefficient. */
const EXAMINED_PER_RETURNED = 100;

export function dbPerformanceWarnings(report: DbPerformanceReport): Warning[] {
  const warnings: Warning[] = [];
  for (const q of report.queries) {
    if (q.error) warnings.push({ check: 'query', message: `${q.name}: explain failed: ${q.error}` });
    else if (q.access === 'COLLSCAN')
      warnings.push({ check: 'collection_scan', message: `${q.name}: collection scan of ${q.collection}` });
    else if (
      (q.docsExamined ?? 0) > 1000 &&
      (q.docsExamined ?? 0) > EXAMINED_PER_RETURNED * Math.max(1, q.returned ?? 0)
    )
      warnings.push({
        check: 'inefficient_query',
        message: `${q.name}: ${q.docsExamined} documents examined for ${q.returned} returned`,
      });
  }
  const slow = [
    ...(report.currentOps.supported ? report.currentOps.value : []),
    ...(report.profiler.supported ? report.profiler.value.slowest : []),
  ];
  if (slow.length) warnings.push({ check: 'slow_operations', message: `${slow.length} slow operation(s)` });
  const server = report.connections.server;
  if (server.supported && server.value.available !== null) {
    const total = server.value.current + server.value.available;
    if (total > 0 && server.value.current / total > 0.8)
      warnings.push({
        check: 'connections',
        message: `server connections ${server.value.current} of ${total} in use`,
      });
  }
  return warnings;
}

@SubCommand({
  name: 'db-performance',
  description:
    'plans of the hot queries (index or collection scan, documents examined vs returned), slow operations, sizes and connections; warnings exit 1 only with --strict',
})
export class CheckDbPerformanceCommand extends StrictCheckCommand {
  constructor(private readonly diagnostics: DbDiagnosticsService) {
    super();
  }

  async run(_args: string[], flags: Flags): Promise<void> {
    const out = new Output(!!flags.json);
    const slowMs = intOption(flags.slowMs, '--slow-ms', 1, 1000);
    const report = await this.diagnostics.performance({ slowMs, onProgress: (s) => out.progress(`${s}…`) });
    const warnings = dbPerformanceWarnings(report);

    out.line(`database ${report.database} on ${report.server.version}`);
    out.line('hot queries:');
    for (const q of report.queries) out.line(`  [${levelMark(queryLevel(q))}] ${describeQuery(q)}`);
    out.line(`slow operations (≥ ${slowMs} ms):`);
    out.line(
      `  currentOp: ${optionalText(report.currentOps, (ops) => (ops.length ? ops.map(opText).join('; ') : 'none running'))}`,
    );
    out.line(
      `  profiler:  ${optionalText(report.profiler, (p) =>
        p.level === 0
          ? `off (level 0${p.slowMs !== null ? `; the server logs operations over ${p.slowMs} ms` : ''})`
          : p.slowest.length
            ? p.slowest.map(opText).join('; ')
            : `level ${p.level}, none in the last hour`,
      )}`,
    );
    out.line('sizes:');
    out.line(
      `  database: ${optionalText(report.db, (d) => `${d.objects} documents in ${d.collections} collections, data ${bytes(d.dataBytes)}, storage ${bytes(d.storageBytes)}, indexes ${bytes(d.indexBytes)}`)}`,
    );
    if (report.collections.supported) {
      for (const c of report.collections.value)
        out.line(
          `  ${c.name.padEnd(22)} ${String(c.documents).padStart(9)} docs  data ${bytes(c.dataBytes).padStart(10)}  indexes ${bytes(c.indexBytes).padStart(10)} (${Object.keys(c.indexes).length})`,
        );
    } else out.line(`  collections: ${report.collections.reason}`);
    const pool = report.connections.pool;
    out.line('connections:');
    out.line(`  this process's pool: ${pool.inUse} in use of ${pool.size} open (max ${pool.max})`);
    out.line(
      `  server: ${optionalText(report.connections.server, (s) => `${s.current} open${s.available !== null ? `, ${s.available} available` : ''}`)}`,
    );
    for (const w of warnings) out.line(`[${levelMark('warn')}] ${w.message}`);
    out.line(warnings.length ? `${warnings.length} warning(s)` : 'no warnings');

    const levels: Level[] = warnings.map(() => 'warn');
    out.result({ ok: warnings.length === 0, strict: !!flags.strict, warnings, ...report });
    process.exitCode = exitCodeFor(levels, !!flags.strict);
  }

  @Option({ flags: '--slow-ms <ms>', description: 'an operation running this long is slow (default 1000)' })
  parseSlowMs(value: string): string {
    return value;
  }
}

function queryLevel(q: HotQueryReport): Level {
  if (q.error || q.access === 'COLLSCAN') return 'warn';
  return q.access === 'EOF' ? 'info' : 'ok';
}

function describeQuery(q: HotQueryReport): string {
  if (q.error) return `${q.name}: ${q.error}`;
  if (q.access === 'EOF') return `${q.name}: ${q.collection} does not exist yet`;
  const access =
    q.access === 'IXSCAN' ? `index ${q.index}` : q.access === 'COLLSCAN' ? 'COLLECTION SCAN' : 'plan unknown';
  const examined =
    q.docsExamined === null
      ? 'examined: not reported'
      : `examined ${q.docsExamined}${q.docsExaminedEstimated ? ' (the collection size; the server reports no statistics)' : ''}`;
  return `${q.name} (${q.collection}): ${access}; ${examined}; returned ${q.returned ?? 'n/a'}`;
}

function optionalText<T>(o: Optional<T>, text: (v: T) => string): string {
  return o.supported ? text(o.value) : o.reason;
}

function opText(op: { op: string; ns: string; millis: number; command?: string }): string {
  return `${op.op}${op.command ? ` ${op.command}` : ''} on ${op.ns} ${op.millis} ms`;
}
