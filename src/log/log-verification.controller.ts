import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access, CurrentPrincipal } from 'src/access/access';
import { Principal, UserPrincipal } from 'src/access/principal';
import { IdParam } from 'src/common/id-param';
import { LogVerificationResponseDto, LogVerificationResultResponseDto } from 'src/log/log.dto';
import { LogVerificationsService } from 'src/log/log-verifications.service';
import { LogService } from 'src/log/log.service';

/**
 * Whole-log verification: the log's route. Its operation id, tag and security are those it was
 * published with when it lived on the records controller, so clients generated from the OpenAPI
 * document keep working.
 */
@ApiTags('records')
@Controller('v1/log')
export class LogVerificationController {
  constructor(
    private readonly log: LogService,
    private readonly verifications: LogVerificationsService,
  ) {}

  @Get('verification')
  @Access({ roles: ['admin', 'compliance_officer', 'auditor'] })
  @ApiOperation({
    operationId: 'RecordsController_verify',
    summary:
      "Verify the tenant's whole log and every record against its signed body (problems name the record)",
  })
  @ApiOkResponse({ type: LogVerificationResultResponseDto })
  verify(@CurrentPrincipal() p: Principal) {
    return this.log.verify(p.tenantId);
  }

  @Post('verifications')
  @HttpCode(202)
  @Access({ roles: ['admin', 'compliance_officer'] })
  @ApiOperation({
    summary:
      'Run a full verification of the log in the background; follow it at /v1/log/verifications/:id',
  })
  @ApiAcceptedResponse({
    type: LogVerificationResponseDto,
    description: 'The verification, queued: follow it at its id.',
  })
  requestVerification(@CurrentPrincipal() p: UserPrincipal): Promise<LogVerificationResponseDto> {
    return this.verifications.request(p);
  }

  @Get('verifications')
  @Access({ roles: ['admin', 'compliance_officer', 'auditor'] })
  @ApiOperation({ summary: 'The latest full verifications, newest first, with their results' })
  @ApiOkResponse({ type: [LogVerificationResponseDto] })
  listVerifications(@CurrentPrincipal() p: Principal): Promise<LogVerificationResponseDto[]> {
    return this.verifications.latest(p.tenantId);
  }

  @Get('verifications/:verificationId')
  @Access({ roles: ['admin', 'compliance_officer', 'auditor'] })
  @ApiOperation({ summary: 'One full verification: its progress, then its result' })
  @ApiOkResponse({ type: LogVerificationResponseDto })
  getVerification(
    @CurrentPrincipal() p: Principal,
    @IdParam('verificationId') id: string,
  ): Promise<LogVerificationResponseDto> {
    return this.verifications.get(p.tenantId, id);
  }
}
