import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AssistantModule } from '@app/assistant';
import { AuditModule } from '@app/audit';
import { BackupMetricsModule } from '@app/backup';
import { CacheModule } from '@app/cache';
import { CalendarModule } from '@app/calendar';
import { AppConfig, ConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { HealthModule } from '@app/health';
import { IdentityModule } from '@app/identity';
import { LoggingModule, ObservabilityMetricsModule } from '@app/observability';
import { AuditHttpModule, SecurityHttpModule } from '@app/security';
import { WebhooksModule } from '@app/webhooks';
import { MailModule } from '@app/mail';
import { ZodValidationPipe } from 'nestjs-zod';
import { AppPasswordsController } from './app-passwords/app-passwords.controller';
import { AssistantController } from './assistant/assistant.controller';
import { ChangesetsController } from './assistant/changesets.controller';
import { DavFilesHandler } from './dav/dav-files.handler';
import { DavServer } from './dav/dav.server';
import { McpHttpServer } from './mcp/mcp.server';
import { McpRateLimits } from './mcp/mcp-rate-limits';
import { McpTools } from './mcp/mcp-tools';
import { McpSessions } from './mcp/mcp-sessions';
import { AvailabilityController } from './availability/availability.controller';
import { PeopleDirectoryModule } from './availability/people-directory.module';
import { CalendarsController } from './calendars/calendars.controller';
import { ContactsController } from './contacts/contacts.controller';
import { PrimaryCalendarModule } from './calendars/primary-calendar.module';
import { FeedsController } from './feeds/feeds.controller';
import { PublicFeedController } from './feeds/public-feed.controller';
import { IcalController } from './ical/ical.controller';
import { IcsBodyParser } from './ical/ics-body.parser';
import { JsonBodyParser } from './http/json-body.parser';
import { SyncController } from './sync/sync.controller';
import { WebhooksController } from './webhooks/webhooks.controller';
import { EventsController, InvitationsController } from './events/events.controller';
import { HealthController } from './health/health.controller';
import { DomainErrorFilter } from './http/domain-error.filter';
import { TimeController } from './time/time.controller';

/** The HTTP application: the shared lib modules plus controllers, validation and error mapping. */
@Module({})
export class ApiModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule,
        ObservabilityMetricsModule,
        DatabaseModule.forRoot(),
        CacheModule,
        HealthModule,
        BackupMetricsModule,
        IdentityModule,
        CalendarModule,
        // Every new account's primary calendar (identity's registration hook).
        PrimaryCalendarModule,
        // Other people's zones and working hours for slots across people (identity's users).
        PeopleDirectoryModule,
        AssistantModule,
        // Event webhooks; starts the delivery worker in this process.
        WebhooksModule,
        // Meeting invitations by email (SMTP_URL); starts the mail worker in this process.
        MailModule,
        // Deny list, rate limit and audit hooks on every request (Fastify onRequest/onResponse).
        SecurityHttpModule,
        // Actor, IP, time and outcome of the @Audited() routes (deletes, changeset confirm and undo).
        AuditHttpModule,
        // The audit log itself, for the MCP server's writing tool calls (mcp_write).
        AuditModule,
      ],
      controllers: [
        HealthController,
        CalendarsController,
        EventsController,
        InvitationsController,
        AssistantController,
        ChangesetsController,
        TimeController,
        AvailabilityController,
        ContactsController,
        IcalController,
        FeedsController,
        PublicFeedController,
        SyncController,
        WebhooksController,
        AppPasswordsController,
      ],
      providers: [
        IcsBodyParser,
        // CalDAV under /dav/ (raw Fastify routes: WebDAV methods, XML bodies, DAV:error answers).
        DavServer,
        DavFilesHandler,
        // MCP (Model Context Protocol) at /mcp: the calendar's tools for agents, as the caller (token or app password).
        McpTools,
        McpRateLimits,
        McpSessions,
        McpHttpServer,
        JsonBodyParser,
        { provide: APP_PIPE, useClass: ZodValidationPipe },
        { provide: APP_FILTER, useClass: DomainErrorFilter },
      ],
    };
  }
}
