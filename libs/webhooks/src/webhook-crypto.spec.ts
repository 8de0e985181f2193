import { createHmac } from 'node:crypto';
import { AppConfig } from '@app/config';
import { retryDelayMs, retrySpanMs, WEBHOOK_MAX_ATTEMPTS } from './webhook-backoff';
import { WebhookSecretCipher } from './webhook-secret.cipher';
import { signatureHeader, verifySignature } from './webhook-signature';

const config = (secret: string) => ({ jwt: { secret } }) as AppConfig;

describe('webhook secrets, signatures and retries', () => {
  it('encrypts secrets so only the same JWT_SECRET reads them back', () => {
    const cipher = new WebhookSecretCipher(config('a'.repeat(40)));
    const stored = cipher.encrypt('whsec_abc');
    expect(stored).not.toContain('whsec_abc');
    expect(cipher.decrypt(stored)).toBe('whsec_abc');
    expect(cipher.encrypt('whsec_abc')).not.toBe(stored); // random IV
    expect(() => new WebhookSecretCipher(config('b'.repeat(40))).decrypt(stored)).toThrow();
  });

  it('signs t.body with HMAC-SHA256 and verifies within the tolerance', () => {
    const header = signatureHeader('s3cret', '{"a":1}', 1_700_000_000);
    const expected = createHmac('sha256', 's3cret').update('1700000000.{"a":1}').digest('hex');
    expect(header).toBe(`t=1700000000,v1=${expected}`);
    expect(verifySignature('s3cret', '{"a":1}', header, 300, 1_700_000_100_000)).toBe(true);
    expect(verifySignature('s3cret', '{"a":2}', header, 300, 1_700_000_100_000)).toBe(false);
    expect(verifySignature('other', '{"a":1}', header, 300, 1_700_000_100_000)).toBe(false);
    expect(verifySignature('s3cret', '{"a":1}', header, 300, 1_700_001_000_000)).toBe(false);
  });

  it('backs off exponentially from the base, capped, and keeps retrying for more than 24 hours', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, 10_000, () => 0.5))).toEqual([
      10_000, 20_000, 40_000, 80_000,
    ]);
    expect(retryDelayMs(20, 10_000, () => 0.5)).toBe(4 * 3600_000);
    const day = 24 * 3600_000;
    expect(retrySpanMs(10_000, () => 0)).toBeGreaterThan(day); // shortest jitter
    expect(retrySpanMs(10_000, () => 1)).toBeLessThan(2 * day);
    expect(WEBHOOK_MAX_ATTEMPTS).toBe(18);
  });
});
