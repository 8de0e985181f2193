import { Module } from '@nestjs/common';
import { CalendarModule } from '@app/calendar';
import { InvitationMailer } from './invitation-mailer';
import { MailQueue } from './mail.queue';
import { MailTransport } from './mail-transport';

/**
 * Outgoing mail (SMTP_URL): the BullMQ mail queue and its worker, and meeting invitations over
 * iMIP. Importing it starts the worker in the process (the API does); the ops CLI uses only
 * MailTransport (MailTransportModule) for `check dependencies`.
 */
@Module({
  imports: [CalendarModule],
  providers: [MailTransport, MailQueue, InvitationMailer],
  exports: [MailQueue, MailTransport],
})
export class MailModule {}

/** The SMTP connection alone, without the queue or its worker (the ops CLI's SMTP check). */
@Module({ providers: [MailTransport], exports: [MailTransport] })
export class MailTransportModule {}
