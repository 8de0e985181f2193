import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthReport, HealthService } from '@app/health';
import type { FastifyReply } from 'fastify';

const HEALTH_EXAMPLE: HealthReport = {
  status: 'healthy',
  version: '0.1.0',
  dependencies: { mongodb: 'connected', redis: 'connected' },
};

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  /** Overall health: 200 healthy or degraded (Redis down), 503 unhealthy (MongoDB down). */
  @Get()
  @ApiOkResponse({
    description: 'healthy, or degraded when Redis is down',
    schema: { example: HEALTH_EXAMPLE },
  })
  @ApiServiceUnavailableResponse({ description: 'MongoDB is down' })
  async check(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthReport> {
    const report = await this.health.report();
    reply.status(report.status === 'unhealthy' ? 503 : 200);
    return report;
  }

  /** Liveness: the process and its event loop only — never a dependency. */
  @Get('live')
  @HttpCode(200)
  @ApiOkResponse({ schema: { example: { status: 'ok' } } })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: MongoDB answers and the process is not shutting down. */
  @Get('ready')
  @ApiOkResponse({ schema: { example: { status: 'ready', mongodb: 'connected' } } })
  @ApiServiceUnavailableResponse({ description: 'MongoDB is down or the process is shutting down' })
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    const { ready, mongodb } = await this.health.ready();
    reply.status(ready ? 200 : 503);
    return {
      status: ready ? 'ready' : 'not_ready',
      mongodb: mongodb.state,
      ...(this.health.isShuttingDown ? { shuttingDown: true } : {}),
    };
  }
}
