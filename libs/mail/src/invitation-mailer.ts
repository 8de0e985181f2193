import { Injectable, OnModuleInit } from '@nestjs/common';
import { ItipMessage, ItipOutbox, ItipSender } from '@app/calendar';
import { itipMails } from './mail-job';
import { MailQueue } from './mail.queue';

/**
 * Sends the calendar lib's iTIP messages (invitations, updates, cancellations) as iMIP mail: one
 * queued mail per recipient. Registers with the ItipOutbox only when SMTP_URL is set, so without it
 * writes plan nothing and answer `invitationsSent: false`.
 */
@Injectable()
export class InvitationMailer implements ItipSender, OnModuleInit {
  constructor(
    private readonly outbox: ItipOutbox,
    private readonly mail: MailQueue,
  ) {}

  onModuleInit(): void {
    if (this.mail.enabled) this.outbox.register(this);
  }

  async queue(messages: ItipMessage[]): Promise<void> {
    await this.mail.add(messages.flatMap(itipMails));
  }
}
