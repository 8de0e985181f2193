import { Module } from '@nestjs/common';
import { SecurityModule } from '../security.module';
import { ThrottleModule } from '../throttle/throttle.module';
import { SecurityHttpHooks } from './security-http.hooks';

/**
 * The API's deny-list, rate-limit and audit hooks (Fastify onRequest/onResponse) and the named
 * throttlers (auth, user, assistant). API only.
 */
@Module({
  imports: [SecurityModule, ThrottleModule],
  providers: [SecurityHttpHooks],
})
export class SecurityHttpModule {}
