export { MailModule, MailTransportModule } from './mail.module';
export { MailQueue, MAIL_QUEUE, MAIL_ATTEMPTS, type MailOutcome } from './mail.queue';
export { MailTransport, redactUrl, type SmtpCheck } from './mail-transport';
export {
  itipMails,
  itipJobId,
  reminderMail,
  reminderMailJobId,
  type MailJob,
  type ReminderMailNotice,
} from './mail-job';
