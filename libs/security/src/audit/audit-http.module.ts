import { Module } from '@nestjs/common';
import { SecurityModule } from '../security.module';
import { AuditedActionsHook } from './audited-actions.hook';

/** The API's audited routes (`@Audited()`): actor, IP, time and outcome of each call. API only. */
@Module({
  imports: [SecurityModule],
  providers: [AuditedActionsHook],
})
export class AuditHttpModule {}
