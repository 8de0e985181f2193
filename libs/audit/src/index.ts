export { AuditModule } from './audit.module';
export { AuditService, AUDIT_FLUSH_INTERVAL_MS } from './audit.service';
export type { AuditCount } from './audit.repository';
export * from './audit-event.schema';
