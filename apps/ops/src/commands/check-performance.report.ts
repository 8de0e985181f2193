/**
 * Latency percentiles and error rates per route from a Prometheus text exposition: the same
 * arithmetic as PromQL's histogram_quantile() over http_request_duration_seconds buckets.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface RouteStats {
  method: string;
  route: string;
  requests: number;
  errors: number;
  /** 5xx share; null without requests. */
  errorRate: number | null;
  /** Seconds; null without requests. */
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parsePrometheusText(text: string, names?: Set<string>): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = SAMPLE.exec(line.trim());
    if (!m || (names && !names.has(m[1]))) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL))
      labels[l[1]] = l[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    const value = m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]);
    out.push({ name: m[1], labels, value });
  }
  return out;
}

/** `after - before` per series (a series that went down was reset: its `after` value is used). */
export function diffSamples(before: Sample[], after: Sample[]): Sample[] {
  const key = (s: Sample) => `${s.name}${JSON.stringify(Object.entries(s.labels).sort())}`;
  const prev = new Map(before.map((s) => [key(s), s.value]));
  return after.map((s) => {
    const p = prev.get(key(s)) ?? 0;
    return { ...s, value: s.value >= p ? s.value - p : s.value };
  });
}

/**
 * histogram_quantile(): find the bucket holding the q-th rank and interpolate linearly inside it; a
 * rank in the +Inf bucket answers the highest finite bound. Null without observations.
 */
export function histogramQuantile(q: number, buckets: { le: number; count: number }[]): number | null {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  if (sorted.length === 0 || sorted[sorted.length - 1].le !== Infinity) return null;
  const total = sorted[sorted.length - 1].count;
  if (!(total > 0)) return null;
  const rank = q * total;
  const i = sorted.findIndex((b) => b.count >= rank);
  const bucket = sorted[i];
  if (bucket.le === Infinity) return sorted.length > 1 ? sorted[sorted.length - 2].le : null;
  const lower = i === 0 ? 0 : sorted[i - 1].le;
  const below = i === 0 ? 0 : sorted[i - 1].count;
  const inBucket = bucket.count - below;
  if (inBucket <= 0) return bucket.le;
  return lower + (bucket.le - lower) * ((rank - below) / inBucket);
}

export function routeStats(samples: Sample[]): RouteStats[] {
  const routes = new Map<
    string,
    { method: string; route: string; buckets: Map<number, number>; requests: number; errors: number }
  >();
  const get = (labels: Record<string, string>) => {
    const method = labels.method ?? '';
    const route = labels.route ?? '';
    const k = `${method} ${route}`;
    let r = routes.get(k);
    if (!r) routes.set(k, (r = { method, route, buckets: new Map(), requests: 0, errors: 0 }));
    return r;
  };
  for (const s of samples) {
    if (s.name === 'http_request_duration_seconds_bucket') {
      const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
      const r = get(s.labels);
      r.buckets.set(le, (r.buckets.get(le) ?? 0) + s.value);
    } else if (s.name === 'http_requests_total') {
      const r = get(s.labels);
      r.requests += s.value;
      if (/^5\d\d$/.test(s.labels.status_code ?? '')) r.errors += s.value;
    }
  }
  return [...routes.values()]
    .map((r) => {
      const buckets = [...r.buckets.entries()].map(([le, count]) => ({ le, count }));
      return {
        method: r.method,
        route: r.route,
        requests: r.requests,
        errors: r.errors,
        errorRate: r.requests > 0 ? r.errors / r.requests : null,
        p50: histogramQuantile(0.5, buckets),
        p95: histogramQuantile(0.95, buckets),
        p99: histogramQuantile(0.99, buckets),
      };
    })
    .filter((r) => r.requests > 0)
    .sort((a, b) => b.requests - a.requests || a.route.localeCompare(b.route));
}

/** All routes together: the same arithmetic over the summed buckets. */
export function overallStats(samples: Sample[]): RouteStats {
  const merged = samples
    .filter((s) => s.name === 'http_request_duration_seconds_bucket' || s.name === 'http_requests_total')
    .map((s) => ({ ...s, labels: { ...s.labels, method: '*', route: '*' } }));
  return (
    routeStats(merged)[0] ?? {
      method: '*',
      route: '*',
      requests: 0,
      errors: 0,
      errorRate: null,
      p50: null,
      p95: null,
      p99: null,
    }
  );
}
