import { normalizeIp } from '@app/common';
import { isInternalIp, ipVersion } from './client-ip';
import { redactUri, redactUrlPath } from './redact';

describe('client addresses', () => {
  it('normalises IPv4-mapped IPv6 and case', () => {
    expect(normalizeIp('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(normalizeIp('2001:DB8::1')).toBe('2001:db8::1');
    expect(ipVersion('unknown')).toBe(0);
    expect(ipVersion('10.0.0.0/8')).toBe(0);
  });

  it('knows internal addresses', () => {
    for (const ip of [
      '127.0.0.1',
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '::1',
      'fd00::1',
      '::ffff:10.0.0.1',
    ])
      expect(isInternalIp(ip)).toBe(true);
    for (const ip of ['203.0.113.7', '8.8.8.8', '2001:db8::1', 'unknown'])
      expect(isInternalIp(ip)).toBe(false);
  });
});

describe('redaction', () => {
  it('removes passwords from URIs and tokens from webhook paths', () => {
    expect(redactUri('mongodb://app:p%40ss@a:1,b:2/db?replicaSet=rs')).toBe(
      'mongodb://app:[redacted]@a:1,b:2/db?replicaSet=rs',
    );
    expect(redactUri('rediss://:secret@r:6380/0')).toBe('rediss://:[redacted]@r:6380/0');
    expect(redactUri('redis://r:6379')).toBe('redis://r:6379');
    expect(redactUri('mongodb+srv://c/db?authMechanismProperties=AWS_SESSION_TOKEN:abc')).not.toContain(
      'abc',
    );
    expect(redactUrlPath('https://hooks.slack.com/services/T0/B0/XYZ')).toBe(
      'https://hooks.slack.com/[redacted]',
    );
  });
});
