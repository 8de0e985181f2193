import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { from, Observable, switchMap } from 'rxjs';
import { AppConfig } from '@app/config';
import { ApiThrottlerGuard } from './api-throttler.guard';

/**
 * Runs the throttler after the route's guards, so `user` and `assistant` count per authenticated
 * user (a global guard would run before the auth guard and only see addresses). A request the auth
 * guard refuses never reaches it; the per-address limit in front of routing bounds those. With every
 * throttler off (limits 0, decided at start) a request passes straight through.
 */
@Injectable()
export class ThrottleInterceptor implements NestInterceptor {
  private readonly active: boolean;

  constructor(
    private readonly guard: ApiThrottlerGuard,
    config: AppConfig,
  ) {
    const { authPerMinute, userPerMinute, assistantPerMinute } = config.throttle;
    this.active = authPerMinute > 0 || userPerMinute > 0 || assistantPerMinute > 0;
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (!this.active || context.getType() !== 'http') return next.handle();
    return from(this.guard.canActivate(context)).pipe(switchMap(() => next.handle()));
  }
}
