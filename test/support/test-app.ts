import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AddressInfo } from 'node:net';
import { AppConfig } from '@app/config';
import { createApiApp } from '../../apps/api/src/create-api-app';

/** The API's error body (one filter maps every error to it). */
export type { ErrorBody as ApiErrorBody } from '../../apps/api/src/http/domain-error.filter';

export interface TestApi {
  app: NestFastifyApplication;
  baseUrl: string;
  /**
   * fetch against the running API; a JSON body is sent and parsed when given. Name the response
   * DTO (`api.request<EventResponseDto>(…)`, or `ApiErrorBody` for a refusal) so a changed DTO
   * breaks the test's compilation; `json` can be checked with `satisfies EventCreateDto`.
   */
  request<T = any>(
    path: string,
    init?: RequestInit & { json?: unknown; token?: string },
  ): Promise<TestResponse<T>>;
  close(): Promise<void>;
}

export interface TestResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** Boots the real API (same factory as main.ts) on a free loopback port. */
export async function startTestApi(config: AppConfig): Promise<TestApi> {
  const app = await createApiApp(config);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.getHttpServer().address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    app,
    baseUrl,
    async request<T>(path: string, init: RequestInit & { json?: unknown; token?: string } = {}) {
      const headers = new Headers(init.headers);
      let body = init.body;
      if (init.json !== undefined) {
        headers.set('content-type', 'application/json');
        body = JSON.stringify(init.json);
      }
      if (init.token) headers.set('authorization', `Bearer ${init.token}`);
      const res = await fetch(baseUrl + path, { ...init, headers, body });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        /* not JSON */
      }
      return { status: res.status, headers: res.headers, body: parsed as T, text };
    },
    close: () => app.close(),
  };
}
