import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { from, Observable, switchMap } from 'rxjs';
import { ApiThrottlerGuard } from './api-throttler.guard';

/**
 * Runs the throttler after the route's guards, so `user` and `assistant` count per authenticated
 * user (a global guard would run before the auth guard and only see addresses). A request the auth
 * guard refuses never reaches it; the per-address limit in front of routing bounds those.
 */
@Injectable()
export class ThrottleInterceptor implements NestInterceptor {
  constructor(private readonly guard: ApiThrottlerGuard) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    return from(this.guard.canActivate(context)).pipe(switchMap(() => next.handle()));
  }
}
