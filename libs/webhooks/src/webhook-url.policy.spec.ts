import { checkWebhookUrl } from './webhook-url.policy';

describe('webhook URL policy', () => {
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
