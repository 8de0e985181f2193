import { randomBytes } from 'node:crypto';
import type { TestApi } from './test-app';

export interface TestUser {
  id: string;
  email: string;
  token: string;
  refreshToken: string;
}

/** Registers a fresh user through the API and returns its tokens. */
export async function registerUser(
  api: TestApi,
  overrides: { timeZone?: string; name?: string } = {},
): Promise<TestUser> {
  const email = `user-${randomBytes(5).toString('hex')}@example.com`;
  const res = await api.request('/v1/auth/register', {
    method: 'POST',
    json: {
      email,
      password: 'correct horse battery',
      name: overrides.name ?? 'Test User',
      timeZone: overrides.timeZone ?? 'America/New_York',
    },
  });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${res.text}`);
  return { id: res.body.user.id, email, token: res.body.accessToken, refreshToken: res.body.refreshToken };
}
