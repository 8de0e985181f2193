import { Module } from '@nestjs/common';
import { AuditModule } from '@app/audit';
import { SecurityCheckService } from './config-audit/security-check.service';
import { DenyListService } from './deny-list/deny-list.service';
import { EvidenceService } from './evidence/evidence.service';
import { RateLimitService } from './rate-limit/rate-limit.service';
import { SuspiciousIpsService } from './suspicious/suspicious-ips.service';

const services = [
  DenyListService,
  RateLimitService,
  SuspiciousIpsService,
  EvidenceService,
  SecurityCheckService,
];

/**
 * IP deny list, rate limiting, suspicious-IP detection, evidence and the configuration audit:
 * the services the API and the ops CLI share. The API adds SecurityHttpModule (its request hooks).
 */
@Module({
  imports: [AuditModule],
  providers: services,
  exports: [...services, AuditModule],
})
export class SecurityModule {}
