import Fastify, { FastifyInstance } from 'fastify';
import { HttpAdapterHost } from '@nestjs/core';
import type { CalendarObjectsService } from '@app/calendar';
import type { AppConfig } from '@app/config';
import type { AppPasswordService } from '@app/identity';
import type { DavFilesHandler } from './dav-files.handler';
import { DavServer } from './dav.server';

/** The server's transport rules on a bare Fastify (no database): TLS in production, the well-known redirect. */
describe('DavServer transport', () => {
  const start = async (opts: { production: boolean; trustProxy: boolean }) => {
    const fastify = Fastify({ trustProxy: opts.trustProxy });
    const authenticateBasic = jest.fn().mockResolvedValue(null);
    const server = new DavServer(
      { httpAdapter: { getInstance: () => fastify } } as unknown as HttpAdapterHost,
      { isProduction: opts.production } as AppConfig,
      { authenticateBasic } as unknown as AppPasswordService,
      {} as CalendarObjectsService,
      {} as DavFilesHandler,
    );
    server.onModuleInit();
    await fastify.ready();
    return { fastify, authenticateBasic };
  };
  let fastify: FastifyInstance | undefined;
  afterEach(() => fastify?.close());

  it('refuses CalDAV over plain HTTP in production before reading any credentials', async () => {
    const started = await start({ production: true, trustProxy: false });
    fastify = started.fastify;
    const res = await fastify.inject({
      method: 'PROPFIND' as 'GET', // a WebDAV method the server added to Fastify
      url: '/dav/',
      headers: { authorization: `Basic ${Buffer.from('a@example.com:x').toString('base64')}` },
    });
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('<d:error');
    expect(res.body).toContain('HTTPS');
    expect(started.authenticateBasic).not.toHaveBeenCalled();
  });

  it('accepts it in production behind a proxy that forwards https (TRUST_PROXY)', async () => {
    const started = await start({ production: true, trustProxy: true });
    fastify = started.fastify;
    const res = await fastify.inject({
      method: 'PROPFIND' as 'GET', // a WebDAV method the server added to Fastify
      url: '/dav/',
      headers: { 'x-forwarded-proto': 'https' },
    });
    // No credentials: the Basic challenge, not the refusal.
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Basic /);
    expect(started.authenticateBasic).toHaveBeenCalled();
  });

  it('redirects /.well-known/caldav with the forwarded scheme and host behind a trusted proxy', async () => {
    fastify = (await start({ production: false, trustProxy: true })).fastify;
    const res = await fastify.inject({
      method: 'PROPFIND' as 'GET', // a WebDAV method the server added to Fastify
      url: '/.well-known/caldav',
      headers: { host: 'pod:3000', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'calendar.example.com' },
    });
    expect(res.statusCode).toBe(301);
    expect(res.headers.location).toBe('https://calendar.example.com/dav/');
  });

  it('ignores forwarded headers without TRUST_PROXY', async () => {
    fastify = (await start({ production: false, trustProxy: false })).fastify;
    const res = await fastify.inject({
      method: 'GET',
      url: '/.well-known/caldav',
      headers: {
        host: 'calendar.local:3000',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'evil.example',
      },
    });
    expect(res.headers.location).toBe('http://calendar.local:3000/dav/');
  });
});
