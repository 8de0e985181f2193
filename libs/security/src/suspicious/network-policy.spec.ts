import { parse } from 'yaml';
import { deniedCidrsValuesYaml, helmUpgradeLine } from './network-policy';

describe('deniedCidrsValuesYaml', () => {
  it("writes the chart's networkPolicy.deniedCIDRs with each address as /32 or /128, once, sorted", () => {
    const text = deniedCidrsValuesYaml(
      ['203.0.113.7', '::ffff:198.51.100.2', '2001:DB8::1', 'unknown', '203.0.113.7'],
      new Date('2026-01-02T03:04:05Z'),
      'test',
    );
    expect(text.startsWith('# ')).toBe(true);
    expect(text).toContain(helmUpgradeLine('<this file>'));
    expect(parse(text)).toEqual({
      networkPolicy: { deniedCIDRs: ['198.51.100.2/32', '2001:db8::1/128', '203.0.113.7/32'] },
    });
  });

  it('writes an empty list when nothing is denied (an upgrade then lifts every block)', () => {
    expect(parse(deniedCidrsValuesYaml([], new Date(), 'test'))).toEqual({
      networkPolicy: { deniedCIDRs: [] },
    });
  });

  it('is no Kubernetes object, so a `kubectl apply -f` of it fails instead of applying anything', () => {
    const doc = parse(deniedCidrsValuesYaml(['203.0.113.7'], new Date(), 'test'));
    expect(doc.apiVersion).toBeUndefined();
    expect(doc.kind).toBeUndefined();
  });
});
