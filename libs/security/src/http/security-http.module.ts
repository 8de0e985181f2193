import { Module } from '@nestjs/common';
import { SecurityModule } from '../security.module';
import { SecurityHttpHooks } from './security-http.hooks';

/** The API's deny-list, rate-limit and audit hooks (Fastify onRequest/onResponse). API only. */
@Module({
  imports: [SecurityModule],
  providers: [SecurityHttpHooks],
})
export class SecurityHttpModule {}
