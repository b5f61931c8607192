import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { AuthEventPageResponseDto } from 'src/auth-events/auth-events.dto';
import { AuthEventsService } from 'src/auth-events/auth-events.service';
import { Access, CurrentPrincipal } from 'src/access/access';
import { Principal } from 'src/access/principal';

export class ListAuthEventsQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 500, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  /** Keyset cursor: the `next` value of the previous page. */
  @ApiPropertyOptional({
    description: 'The next of the previous page: events older than that one',
    pattern: '^[1-9]\\d{0,17}$',
  })
  @IsOptional()
  @Matches(/^[1-9]\d{0,17}$/, { message: 'before must be an event id (a positive whole number)' })
  before?: string;
}

@ApiTags('administration')
@Controller('v1/auth-events')
export class AuthEventsController {
  constructor(private readonly events: AuthEventsService) {}

  @Get()
  @Access({ roles: ['admin', 'compliance_officer', 'auditor'] })
  @ApiOperation({ summary: 'The access-control trail of the tenant, newest first' })
  @ApiOkResponse({ type: AuthEventPageResponseDto })
  list(
    @CurrentPrincipal() p: Principal,
    @Query() query: ListAuthEventsQuery,
  ): Promise<AuthEventPageResponseDto> {
    return this.events.list(p.tenantId, query.limit ?? 100, query.before);
  }
}
