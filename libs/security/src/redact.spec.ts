import { redactUri, redactUrlPath } from './redact';

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
