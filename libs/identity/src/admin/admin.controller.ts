import { Controller, Get, Query, UseInterceptors } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ZodResponse, ZodSerializerInterceptor } from 'nestjs-zod';
import { AuditService } from '@app/audit';
import { ERROR_EXAMPLES } from '../auth/api-errors';
import { AdminOnly } from '../auth/auth.decorators';
import { AuditEventListQueryDto, AuditEventListResponseDto } from './admin.dto';

/** Routes for administrators only (accounts made admin with `ops users grant-admin`). */
@ApiTags('admin')
@Controller('v1/admin')
@AdminOnly()
@UseInterceptors(ZodSerializerInterceptor)
export class AdminController {
  constructor(private readonly audit: AuditService) {}

  @Get('audit-events')
  @ApiOperation({
    summary: 'Recent security audit events',
    description:
      'Authentication failures, locks, 404 probing, rate-limit and deny-list refusals, newest first; filter by type or address, page with `before`.',
  })
  @ZodResponse({ status: 200, type: AuditEventListResponseDto, description: 'The events, newest first' })
  @ApiBadRequestResponse({
    description: 'A query parameter is invalid; each is named',
    schema: { example: ERROR_EXAMPLES.validation('limit', 'must be at most 200') },
  })
  async auditEvents(@Query() query: AuditEventListQueryDto) {
    const events = await this.audit.list({
      limit: query.limit,
      type: query.type,
      ip: query.ip,
      before: query.before ? new Date(query.before) : undefined,
    });
    return { items: events.map((e) => ({ ...e, at: e.at.toISOString() })) };
  }
}
