import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Access, CurrentPrincipal } from 'src/access/access';
import { Principal } from 'src/access/principal';
import { LogService } from 'src/log/log.service';

/**
 * Whole-log verification: the log's route. Its operation id, tag and security are those it was
 * published with when it lived on the records controller, so clients generated from the OpenAPI
 * document keep working.
 */
@ApiTags('records')
@ApiSecurity('api-key')
@Controller('v1/log')
export class LogVerificationController {
  constructor(private readonly log: LogService) {}

  @Get('verification')
  @Access({ roles: ['admin', 'compliance_officer', 'auditor'] })
  @ApiOperation({
    operationId: 'RecordsController_verify',
    summary:
      "Verify the tenant's whole log and every record against its signed body (problems name the record)",
  })
  verify(@CurrentPrincipal() p: Principal) {
    return this.log.verify(p.tenantId);
  }
}
