import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AuditEventDoc, AuditEventSchema } from './audit-event.schema';
import { AuditRepository } from './audit.repository';
import { AuditService } from './audit.service';

/**
 * The audit log: one `audit_events` schema, one repository, one batched AuditService. Its own lib
 * below identity and security (both write to it, and security reads identity's events), on the
 * global database connection.
 */
@Module({
  imports: [MongooseModule.forFeature([{ name: AuditEventDoc.name, schema: AuditEventSchema }])],
  providers: [AuditRepository, AuditService],
  exports: [AuditService],
})
export class AuditModule {}
