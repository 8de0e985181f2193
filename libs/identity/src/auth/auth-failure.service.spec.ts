import { Logger } from '@nestjs/common';
import { AuditService } from '@app/audit';
import { UnauthorizedError } from '@app/common';
import { Counter } from 'prom-client';
import { AUTH_FAILED_MESSAGE, AUTH_FAILURE_REASONS, AuthFailureService } from './auth-failure.service';

type Recorded = Parameters<AuditService['record']>[0];

function setup(audit?: AuditService) {
  const counter = new Counter({
    name: 'auth_failures_total',
    help: 'test',
    labelNames: ['reason'],
    registers: [],
  });
  const events: Recorded[] = [];
  const fake = {
    record: (event: Recorded) => void events.push(event),
  } satisfies Pick<AuditService, 'record'>;
  const service = new AuthFailureService(audit ?? (fake as unknown as AuditService), counter);
  const count = async (reason: string) =>
    (await counter.get()).values.find((v) => v.labels.reason === reason)?.value;
  return { service, events, count };
}

describe('AuthFailureService', () => {
  let warn: jest.SpyInstance;
  let error: jest.SpyInstance;
  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('returns the same generic UnauthorizedError whatever the reason', async () => {
    const { service } = setup();
    for (const reason of AUTH_FAILURE_REASONS) {
      const err = await service.reject(reason, { ip: '203.0.113.9' }, '665f1c2b8f1e4a0012345678');
      expect(err).toBeInstanceOf(UnauthorizedError);
      expect(err.message).toBe(AUTH_FAILED_MESSAGE);
      expect(err.details).toBeUndefined();
    }
  });

  it('logs "unauthorized" with the IP and reason, counts it by reason and records an audit event', async () => {
    const { service, events, count } = setup();
    service.onModuleInit();
    expect(await count('bad_password')).toBe(0);

    await service.reject('bad_password', { ip: '203.0.113.9' }, '665f1c2b8f1e4a0012345678');
    await service.reject('missing_token', { ip: '198.51.100.7' });

    expect(warn.mock.calls.map((c) => c[0])).toEqual([
      'unauthorized ip=203.0.113.9 reason=bad_password user=665f1c2b8f1e4a0012345678',
      'unauthorized ip=198.51.100.7 reason=missing_token',
    ]);
    expect(await count('bad_password')).toBe(1);
    expect(await count('missing_token')).toBe(1);
    expect(await count('expired_token')).toBe(0);
    expect(events).toEqual([
      { type: 'auth_failure', ip: '203.0.113.9', reason: 'bad_password', userId: '665f1c2b8f1e4a0012345678' },
      { type: 'auth_failure', ip: '198.51.100.7', reason: 'missing_token' },
    ]);
  });

  it('still answers 401 when the audit write fails, and logs that it failed', async () => {
    const repository = {
      connected: true,
      insertMany: async () => {
        throw new Error('mongodb down');
      },
    };
    const audit = new AuditService(repository as never);
    const { service, count } = setup(audit);
    const err = await service.reject('invalid_token', { ip: '192.0.2.1' });
    expect(err).toBeInstanceOf(UnauthorizedError);
    expect(await count('invalid_token')).toBe(1);
    await audit.flush();
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('mongodb down'));
    expect(error).not.toHaveBeenCalled();
  });
});
