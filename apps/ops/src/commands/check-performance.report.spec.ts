import {
  diffSamples,
  histogramQuantile,
  overallStats,
  parsePrometheusText,
  routeStats,
} from './check-performance.report';

const EXPOSITION = `# HELP http_request_duration_seconds duration
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.1",method="GET",route="/v1/events",status_code="200"} 80
http_request_duration_seconds_bucket{le="0.5",method="GET",route="/v1/events",status_code="200"} 90
http_request_duration_seconds_bucket{le="1",method="GET",route="/v1/events",status_code="200"} 90
http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/v1/events",status_code="200"} 90
http_request_duration_seconds_bucket{le="0.1",method="GET",route="/v1/events",status_code="500"} 0
http_request_duration_seconds_bucket{le="0.5",method="GET",route="/v1/events",status_code="500"} 0
http_request_duration_seconds_bucket{le="1",method="GET",route="/v1/events",status_code="500"} 0
http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/v1/events",status_code="500"} 10
http_requests_total{method="GET",route="/v1/events",status_code="200"} 90
http_requests_total{method="GET",route="/v1/events",status_code="500"} 10
http_requests_total{method="GET",route="un\\"quoted",status_code="404"} 1
`;

describe('performance report', () => {
  it('parses the exposition format, escapes included', () => {
    const samples = parsePrometheusText(EXPOSITION);
    expect(samples).toHaveLength(11);
    expect(samples[3]).toEqual({
      name: 'http_request_duration_seconds_bucket',
      labels: { le: '+Inf', method: 'GET', route: '/v1/events', status_code: '200' },
      value: 90,
    });
    expect(samples[10].labels.route).toBe('un"quoted');
  });

  it('interpolates quantiles like histogram_quantile()', () => {
    const buckets = [
      { le: 0.1, count: 50 },
      { le: 0.5, count: 90 },
      { le: 1, count: 100 },
      { le: Infinity, count: 100 },
    ];
    expect(histogramQuantile(0.5, buckets)).toBeCloseTo(0.1);
    expect(histogramQuantile(0.25, buckets)).toBeCloseTo(0.05);
    expect(histogramQuantile(0.7, buckets)).toBeCloseTo(0.1 + 0.4 * (20 / 40));
    expect(histogramQuantile(0.95, buckets)).toBeCloseTo(0.5 + 0.5 * (5 / 10));
    expect(
      histogramQuantile(0.99, [
        { le: 1, count: 1 },
        { le: Infinity, count: 10 },
      ]),
    ).toBe(1);
    expect(histogramQuantile(0.5, [{ le: Infinity, count: 0 }])).toBeNull();
  });

  it('computes per-route percentiles and 5xx rates across status codes', () => {
    const [events, other] = routeStats(parsePrometheusText(EXPOSITION));
    expect(events).toMatchObject({
      method: 'GET',
      route: '/v1/events',
      requests: 100,
      errors: 10,
      errorRate: 0.1,
    });
    expect(events.p50).toBeCloseTo(0.1 * (50 / 80));
    expect(events.p95).toBe(1); // in the +Inf bucket: the highest finite bound
    expect(other).toMatchObject({ route: 'un"quoted', requests: 1, errors: 0, p95: null });
    expect(overallStats(parsePrometheusText(EXPOSITION))).toMatchObject({ requests: 101, errors: 10 });
  });

  it('diffs two scrapes for a window, tolerating a counter reset', () => {
    const before = parsePrometheusText(
      'http_requests_total{route="/a"} 10\nhttp_requests_total{route="/b"} 50\n',
    );
    const after = parsePrometheusText(
      'http_requests_total{route="/a"} 15\nhttp_requests_total{route="/b"} 3\n',
    );
    expect(diffSamples(before, after).map((s) => s.value)).toEqual([5, 3]);
  });
});
