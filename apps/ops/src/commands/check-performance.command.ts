import { ValidationError } from '@app/common';
import { AppConfig } from '@app/config';
import { Option, SubCommand } from 'nest-commander';
import { formatDuration, parseDuration } from '../cli/durations';
import { EXIT } from '../cli/exit-codes';
import { Output } from '../cli/output';
import { JsonFlagCommand, JsonFlags } from '../cli/ops-command';
import {
  diffSamples,
  overallStats,
  parsePrometheusText,
  RouteStats,
  routeStats,
  Sample,
} from './check-performance.report';
import { intOption, levelMark, percent } from './check-shared';

interface Flags extends JsonFlags {
  url?: string;
  sample?: string;
  minRequests?: string;
}

/** The runbook's thresholds. */
export const MAX_P95_SECONDS = 1;
export const MAX_ERROR_RATE = 0.05;
const FAMILIES = new Set(['http_request_duration_seconds_bucket', 'http_requests_total']);
const FETCH_TIMEOUT_MS = 10_000;

@SubCommand({
  name: 'performance',
  description:
    "p50/p95/p99 latency and 5xx rate per route from a running instance's /metrics; exit 1 when a route's p95 is over 1 s or its error rate over 5%",
})
export class CheckPerformanceCommand extends JsonFlagCommand {
  constructor(private readonly config: AppConfig) {
    super();
  }

  async run(_args: string[], flags: Flags): Promise<void> {
    const out = new Output(!!flags.json);
    const base = baseUrl(flags.url ?? `http://127.0.0.1:${this.config.port}`);
    const minRequests = intOption(flags.minRequests, '--min-requests', 1, 10);
    const sampleMs = flags.sample ? parseDuration(flags.sample, '--sample') : null;

    let samples = await scrape(base);
    if (sampleMs !== null) {
      out.progress(`sampling ${base}/metrics for ${formatDuration(sampleMs)}…`);
      await new Promise((r) => setTimeout(r, sampleMs));
      samples = diffSamples(samples, await scrape(base));
    }
    const routes = routeStats(samples);
    const overall = overallStats(samples);
    const judged = (r: RouteStats) => r.requests >= minRequests;
    const warnings = routes.filter(judged).flatMap((r) => [
      ...(r.p95 !== null && r.p95 > MAX_P95_SECONDS
        ? [{ route: `${r.method} ${r.route}`, message: `p95 ${ms(r.p95)} is over ${ms(MAX_P95_SECONDS)}` }]
        : []),
      ...(r.errorRate !== null && r.errorRate > MAX_ERROR_RATE
        ? [
            {
              route: `${r.method} ${r.route}`,
              message: `error rate ${percent(r.errorRate)} is over ${percent(MAX_ERROR_RATE)}`,
            },
          ]
        : []),
    ]);

    out.line(
      `${base}/metrics — ${sampleMs !== null ? `the last ${formatDuration(sampleMs)}` : 'since the instance started'}: ` +
        `${overall.requests} requests, p95 ${ms(overall.p95)}, 5xx ${percent(overall.errorRate)}`,
    );
    out.line(
      `     ${'route'.padEnd(40)} ${'requests'.padStart(9)} ${'p50'.padStart(9)} ${'p95'.padStart(9)} ${'p99'.padStart(9)} ${'5xx'.padStart(7)}`,
    );
    for (const r of routes) {
      const bad = warnings.some((w) => w.route === `${r.method} ${r.route}`);
      const mark = bad ? levelMark('warn') : judged(r) ? levelMark('ok') : '  - ';
      out.line(
        `[${mark}] ${`${r.method} ${r.route}`.padEnd(40)} ${String(r.requests).padStart(9)} ${ms(r.p50).padStart(9)} ${ms(r.p95).padStart(9)} ${ms(r.p99).padStart(9)} ${percent(r.errorRate).padStart(7)}`,
      );
    }
    if (routes.length === 0) out.line('  (no requests recorded yet)');
    for (const w of warnings) out.line(`[${levelMark('warn')}] ${w.route}: ${w.message}`);
    if (routes.some((r) => !judged(r))) out.line(`  - fewer than ${minRequests} requests: not judged`);

    out.result({
      ok: warnings.length === 0,
      url: `${base}/metrics`,
      window: sampleMs !== null ? formatDuration(sampleMs) : 'since start',
      thresholds: { p95Seconds: MAX_P95_SECONDS, errorRate: MAX_ERROR_RATE, minRequests },
      overall,
      routes,
      warnings,
    });
    process.exitCode = warnings.length ? EXIT.checkFailed : EXIT.ok;
  }

  @Option({
    flags: '--url <url>',
    description: 'the instance to read, e.g. http://host:3000 (default http://127.0.0.1:PORT)',
  })
  parseUrl(value: string): string {
    return value;
  }

  @Option({
    flags: '--sample <duration>',
    description: 'scrape twice this far apart and report that window (e.g. 30s) instead of since start',
  })
  parseSample(value: string): string {
    return value;
  }

  @Option({
    flags: '--min-requests <n>',
    description: 'judge only routes with at least this many requests (default 10)',
  })
  parseMinRequests(value: string): string {
    return value;
  }
}

function baseUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ValidationError(`--url must be an http(s) URL such as http://host:3000 (got "${url}")`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new ValidationError(`--url must be http:// or https:// (got "${url}")`);
  return `${u.protocol}//${u.host}${u.pathname.replace(/\/(metrics)?\/?$/, '')}`;
}

async function scrape(base: string): Promise<Sample[]> {
  let res: Response;
  try {
    res = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    throw new Error(`could not read ${base}/metrics: ${e.cause?.code ?? e.message}`);
  }
  if (!res.ok) throw new Error(`${base}/metrics answered HTTP ${res.status}`);
  return parsePrometheusText(await res.text(), FAMILIES);
}

const ms = (seconds: number | null) =>
  seconds === null ? 'n/a' : seconds >= 1 ? `${seconds.toFixed(2)} s` : `${Math.round(seconds * 1000)} ms`;
