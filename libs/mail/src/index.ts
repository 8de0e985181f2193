export { MailModule, MailTransportModule } from './mail.module';
export { MailQueue, MAIL_QUEUE, MAIL_ATTEMPTS, type MailOutcome } from './mail.queue';
export { MailTransport, redactUrl, type SmtpCheck } from './mail-transport';
export { itipMails, itipJobId, reminderMailJobId, type MailJob } from './mail-job';
