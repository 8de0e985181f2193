import { parse } from 'yaml';
import { blockPolicyYaml, BLOCK_POLICY_NAME } from './network-policy';

describe('blockPolicyYaml', () => {
  it('writes an apply-able NetworkPolicy excepting each address as /32 or /128', () => {
    const text = blockPolicyYaml(
      ['203.0.113.7', '::ffff:198.51.100.2', '2001:DB8::1', 'unknown', '203.0.113.7'],
      new Date('2026-01-02T03:04:05Z'),
      'test',
    );
    expect(text.startsWith('# ')).toBe(true);
    const policy = parse(text);
    expect(policy).toMatchObject({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: BLOCK_POLICY_NAME },
      spec: {
        podSelector: {
          matchLabels: {
            'app.kubernetes.io/name': 'calendar-assistant',
            'app.kubernetes.io/component': 'api',
          },
        },
        policyTypes: ['Ingress'],
      },
    });
    const [rule] = policy.spec.ingress;
    expect(rule.ports).toEqual([{ port: 'http', protocol: 'TCP' }]);
    expect(rule.from).toEqual([
      { ipBlock: { cidr: '0.0.0.0/0', except: ['198.51.100.2/32', '203.0.113.7/32'] } },
      { ipBlock: { cidr: '::/0', except: ['2001:db8::1/128'] } },
    ]);
  });

  it('allows everything when nothing is denied (no empty except lists)', () => {
    const policy = parse(blockPolicyYaml([], new Date(), 'test'));
    expect(policy.spec.ingress[0].from).toEqual([
      { ipBlock: { cidr: '0.0.0.0/0' } },
      { ipBlock: { cidr: '::/0' } },
    ]);
  });
});
