import { isInternalIp, ipVersion, isLoopbackAddress, isPublicAddress } from './ip-ranges';
import { normalizeIp } from './client-ip';

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

  describe('where webhooks may go', () => {
    it.each([
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      'fe80::1',
      'fc00::1',
      'fd12:3456::1',
      'ff02::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:10.0.0.1',
      '64:ff9b::a00:1',
      '2002:a00:1::',
      '2001:db8::1',
      '::127.0.0.1',
      '[::1]',
      'fe80::1%eth0',
      'hooks.example.com',
    ])('%s is not public', (ip) => {
      expect(isPublicAddress(ip)).toBe(false);
    });

    it.each([
      '93.184.216.34',
      '8.8.8.8',
      '172.32.0.1',
      '2606:4700::1111',
      '::ffff:8.8.8.8',
      '64:ff9b::808:808',
      '2002:808:808::1',
      '[2606:4700::1111]',
    ])('%s is public', (ip) => {
      expect(isPublicAddress(ip)).toBe(true);
    });

    it('knows loopback in every spelling', () => {
      for (const ip of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1', '0:0:0:0:0:0:0:1'])
        expect(isLoopbackAddress(ip)).toBe(true);
      for (const ip of ['10.0.0.1', '::2', '8.8.8.8']) expect(isLoopbackAddress(ip)).toBe(false);
    });
  });
});
