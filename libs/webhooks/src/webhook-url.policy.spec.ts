import { checkWebhookUrl, isLoopbackAddress, isPublicAddress } from './webhook-url.policy';

describe('webhook URL policy', () => {
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
  ])('%s is public', (ip) => {
    expect(isPublicAddress(ip)).toBe(true);
  });

  it('knows loopback in every spelling', () => {
    for (const ip of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1', '0:0:0:0:0:0:0:1'])
      expect(isLoopbackAddress(ip)).toBe(true);
    for (const ip of ['10.0.0.1', '::2', '8.8.8.8']) expect(isLoopbackAddress(ip)).toBe(false);
  });

  const resolvesTo = (map: Record<string, string[]>) => async (host: string) => {
    if (!map[host]) throw new Error('ENOTFOUND');
    return map[host].map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };

  it('in production: https only, and no host that resolves to a non-public address (any of them)', async () => {
    const lookup = resolvesTo({
      'hooks.example.com': ['93.184.216.34'],
      'internal.example.com': ['93.184.216.34', '10.0.0.7'],
      localhost: ['127.0.0.1', '::1'],
    });
    const check = (url: string) => checkWebhookUrl(url, 'production', lookup);
    expect(await check('https://hooks.example.com/calendar')).toMatchObject({ ok: true });
    expect(await check('http://hooks.example.com/calendar')).toEqual({
      ok: false,
      reason: 'must be an https URL',
    });
    for (const url of [
      'https://127.0.0.1/',
      'https://10.0.0.1/',
      'https://[::1]/',
      'https://[::ffff:127.0.0.1]/',
      'https://169.254.169.254/latest/meta-data',
      'https://localhost/',
      'https://internal.example.com/',
      'https://2130706433/', // 127.0.0.1 as one number
    ]) {
      const result = await check(url);
      expect({ url, ok: result.ok }).toEqual({ url, ok: false });
    }
    expect(await check('https://nowhere.example.com/')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('does not resolve'),
    });
    expect(await check('https://user:pw@hooks.example.com/')).toMatchObject({ ok: false });
    expect(await check('ftp://hooks.example.com/')).toMatchObject({ ok: false });
  });

  it('in development and test: plain http only to loopback', async () => {
    const lookup = resolvesTo({ localhost: ['127.0.0.1'], 'lan.example': ['192.168.1.5'] });
    const check = (url: string) => checkWebhookUrl(url, 'development', lookup);
    expect(await check('http://127.0.0.1:4000/hook')).toMatchObject({ ok: true });
    expect(await check('http://localhost:4000/hook')).toMatchObject({ ok: true });
    expect(await check('http://lan.example/hook')).toMatchObject({ ok: false });
    expect(await check('http://10.0.0.1/hook')).toMatchObject({ ok: false });
    expect(await check('https://lan.example/hook')).toMatchObject({ ok: true });
  });
});
