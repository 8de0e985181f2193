import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthService } from './health.service';

/** Health checks over the global database and cache connections; used by the API and the ops CLI. */
@Module({
  imports: [TerminusModule],
  providers: [HealthService],
  exports: [HealthService, TerminusModule],
})
export class HealthModule {}
