import { Injectable, Logger } from '@nestjs/common';
import { withTimeout } from '@app/common';
import { ItipChange, ItipMessage, planItip } from './itip';

/** Queues iTIP messages for sending (the mail lib registers one when SMTP_URL is set). */
export interface ItipSender {
  /** Resolves once every message is queued (not sent: sending is never on the request path). */
  queue(messages: ItipMessage[]): Promise<void>;
}

/** Queueing gets this long; Redis down must not hold a write's response. */
const QUEUE_TIMEOUT_MS = 2000;

/**
 * Where event writes hand their iTIP messages (invitations, updates, cancellations). The calendar
 * lib plans them (itip.ts); a sender registers at start, like the listeners of EventChangePublisher,
 * so the calendar lib does not depend on the mail lib. Without a sender (no SMTP_URL) nothing is
 * planned and every write answers `invitationsSent: false`.
 */
@Injectable()
export class ItipOutbox {
  private readonly logger = new Logger(ItipOutbox.name);
  private sender?: ItipSender;

  register(sender: ItipSender): void {
    this.sender = sender;
  }

  /** Plans and queues the messages of a write; true when at least one was queued. Never throws. */
  async send(changes: ItipChange[]): Promise<boolean> {
    const sender = this.sender;
    if (!sender) return false;
    try {
      const messages = changes.flatMap((c) => planItip(c));
      if (messages.length === 0) return false;
      await withTimeout(sender.queue(messages), QUEUE_TIMEOUT_MS, 'invitation queue');
      return true;
    } catch (err) {
      this.logger.warn(`invitations not queued: ${(err as Error).message}`);
      return false;
    }
  }
}
