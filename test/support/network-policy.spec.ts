import { parse } from 'yaml';
import { allowed, allowsAddress, NetworkPolicy, widening } from './network-policy';

const API = { 'app.kubernetes.io/name': 'calendar-assistant', 'app.kubernetes.io/component': 'api' };

/** The chart's API policy as it renders by default: the ingress controller and Prometheus by selector. */
const chartPolicy = (extraRules: unknown[] = []): NetworkPolicy => ({
  kind: 'NetworkPolicy',
  metadata: { name: 'calendar-assistant' },
  spec: {
    podSelector: { matchLabels: API },
    policyTypes: ['Ingress', 'Egress'],
    ingress: [
      {
        from: [
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } },
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
          },
        ],
        ports: [{ port: 'http', protocol: 'TCP' }],
      },
      ...(extraRules as never[]),
    ],
    egress: [{ to: [{ ipBlock: { cidr: '10.20.0.0/16' } }], ports: [{ port: 6379, protocol: 'TCP' }] }],
  },
});

/** What `ops security suspicious-ips --block` wrote before: an extra "everyone except these" policy. */
const OLD_BLOCK_POLICY = parse(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: calendar-assistant-block-suspicious-ips
spec:
  podSelector:
    matchLabels:
      app.kubernetes.io/name: calendar-assistant
      app.kubernetes.io/component: api
  policyTypes:
    - Ingress
  ingress:
    - from:
        - ipBlock:
            cidr: 0.0.0.0/0
            except:
              - 203.0.113.7/32
        - ipBlock:
            cidr: ::/0
      ports:
        - port: http
          protocol: TCP
`) as NetworkPolicy;

describe('NetworkPolicy evaluator', () => {
  it("detects the old additive block policy as widening the chart's ingress to every other address", () => {
    const before = allowed([chartPolicy()], API, 'Ingress');
    const after = allowed([chartPolicy(), OLD_BLOCK_POLICY], API, 'Ingress');
    expect(widening(before, after)).toEqual([
      'TCP/http from 0.0.0.0-203.0.113.6',
      'TCP/http from 203.0.113.8-255.255.255.255',
      'TCP/http from ::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
    ]);
    expect(allowsAddress(after, '198.51.100.1', 'TCP/http')).toBe(true);
    expect(allowsAddress(before, '198.51.100.1', 'TCP/http')).toBe(false);
    // And egress is untouched by an Ingress-only policy.
    expect(
      widening(
        allowed([chartPolicy()], API, 'Egress'),
        allowed([chartPolicy(), OLD_BLOCK_POLICY], API, 'Egress'),
      ),
    ).toEqual([]);
  });

  it('sees an ipBlock except as narrowing, and the excepted address as no longer allowed', () => {
    const rule = (except?: string[]) => ({
      from: [{ ipBlock: { cidr: '203.0.113.0/24', ...(except ? { except } : {}) } }],
      ports: [{ port: 'http', protocol: 'TCP' }],
    });
    const before = allowed([chartPolicy([rule()])], API, 'Ingress');
    const after = allowed([chartPolicy([rule(['203.0.113.7/32'])])], API, 'Ingress');
    expect(widening(before, after)).toEqual([]);
    expect(widening(after, before)).toEqual(['TCP/http from 203.0.113.7']);
    expect(allowsAddress(before, '203.0.113.7', 'TCP/http')).toBe(true);
    expect(allowsAddress(after, '203.0.113.7', 'TCP/http')).toBe(false);
    expect(allowsAddress(after, '203.0.113.8', 'TCP/http')).toBe(true);
  });

  it('treats a rule left without peers as allowing every source', () => {
    const before = allowed([chartPolicy()], API, 'Ingress');
    const after = allowed(
      [chartPolicy([{ from: [], ports: [{ port: 'http', protocol: 'TCP' }] }])],
      API,
      'Ingress',
    );
    expect(widening(before, after)).toEqual([
      'TCP/http from 0.0.0.0-255.255.255.255',
      'TCP/http from ::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
      'TCP/http from every pod and namespace',
    ]);
  });

  it('counts a new selector peer and a rule for every port as widening', () => {
    const before = allowed([chartPolicy()], API, 'Ingress');
    const other = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'other' } } };
    expect(widening(before, allowed([chartPolicy([{ from: [other] }])], API, 'Ingress'))).toEqual([
      `* from ${JSON.stringify({ namespaceSelector: other.namespaceSelector })}`,
    ]);
  });

  it('applies only the policies whose podSelector matches; a pod no policy selects is not isolated', () => {
    const backup = {
      'app.kubernetes.io/name': 'calendar-assistant',
      'app.kubernetes.io/component': 'backup',
    };
    const forBackup = allowed([chartPolicy(), OLD_BLOCK_POLICY], backup, 'Ingress');
    expect(forBackup.isolated).toBe(false);
    expect(allowsAddress(forBackup, '198.51.100.1', 'TCP/5432')).toBe(true);
    const isolated = allowed(
      [
        {
          kind: 'NetworkPolicy',
          metadata: { name: 'b' },
          spec: {
            podSelector: {
              matchExpressions: [{ key: 'app.kubernetes.io/component', operator: 'In', values: ['backup'] }],
            },
            ingress: [],
          },
        },
      ],
      backup,
      'Ingress',
    );
    expect(isolated.isolated).toBe(true);
    expect(allowsAddress(isolated, '198.51.100.1', 'TCP/5432')).toBe(false);
  });
});
