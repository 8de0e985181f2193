import { randomBytes } from 'node:crypto';
import type { AppPasswordCreatedResponseDto as AppPasswordCreated } from '@app/identity';
import type { TestApi } from './test-app';

export interface TestUser {
  id: string;
  email: string;
  token: string;
  refreshToken: string;
}

/** A fresh address no account has, at `domain`. */
export const uniqueAddress = (domain = 'example.com') => `user-${randomBytes(5).toString('hex')}@${domain}`;

/** Registers a fresh user (at a fresh address unless one is given) through the API and returns its tokens. */
export async function registerUser(
  api: TestApi,
  overrides: { timeZone?: string; name?: string; email?: string } = {},
): Promise<TestUser> {
  const email = overrides.email ?? uniqueAddress();
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

/** Creates an app password for `user` (the CalDAV and MCP credential); returns it as created (its only showing). */
export async function createAppPassword(
  api: TestApi,
  user: Pick<TestUser, 'token'>,
  json: { name: string; scope?: 'read' | 'write' },
): Promise<AppPasswordCreated> {
  const res = await api.request<AppPasswordCreated>('/v1/me/app-passwords', {
    method: 'POST',
    token: user.token,
    json,
  });
  if (res.status !== 201) throw new Error(`creating an app password failed: ${res.status} ${res.text}`);
  return res.body;
}
