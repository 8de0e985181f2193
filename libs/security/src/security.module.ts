import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { SecurityAuditEventDoc, SecurityAuditEventSchema } from './audit/audit-event.schema';
import { AuditRepository } from './audit/audit.repository';
import { AuditService } from './audit/audit.service';
import { SecurityCheckService } from './config-audit/security-check.service';
import { DenyListService } from './deny-list/deny-list.service';
import { EvidenceService } from './evidence/evidence.service';
import { RateLimitService } from './rate-limit/rate-limit.service';
import { SuspiciousIpsService } from './suspicious/suspicious-ips.service';

const services = [
  AuditRepository,
  AuditService,
  DenyListService,
  RateLimitService,
  SuspiciousIpsService,
  EvidenceService,
  SecurityCheckService,
];

/**
 * Audit log, IP deny list, rate limiting, suspicious-IP detection, evidence and the configuration audit:
 * the services the API and the ops CLI share. The API adds SecurityHttpModule (its request hooks).
 */
@Module({
  imports: [
    MongooseModule.forFeature([{ name: SecurityAuditEventDoc.name, schema: SecurityAuditEventSchema }]),
  ],
  providers: services,
  exports: services,
})
export class SecurityModule {}
