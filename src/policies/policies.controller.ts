import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access, CurrentPrincipal } from 'src/access/access';
import { Principal } from 'src/access/principal';
import { IdParam } from 'src/common/id-param';
import { PolicyResponseDto, PublishPolicyDto } from 'src/policies/policies.dto';
import { PoliciesService } from 'src/policies/policies.service';

@ApiTags('policies')
@Controller('v1/applications/:applicationId')
export class PoliciesController {
  constructor(private readonly policies: PoliciesService) {}

  @Get('policy')
  @Access({ roles: ['admin', 'compliance_officer', 'auditor'] })
  @ApiOperation({ summary: "The application's policy version in force" })
  @ApiOkResponse({ type: PolicyResponseDto })
  current(
    @CurrentPrincipal() p: Principal,
    @IdParam('applicationId') applicationId: string,
  ): Promise<PolicyResponseDto> {
    return this.policies.current(p.tenantId, applicationId);
  }

  @Get('policies')
  @Access({ roles: ['admin', 'compliance_officer', 'auditor'] })
  @ApiOperation({ summary: 'Every version of the application policy, newest first' })
  @ApiOkResponse({ type: [PolicyResponseDto] })
  versions(
    @CurrentPrincipal() p: Principal,
    @IdParam('applicationId') applicationId: string,
  ): Promise<PolicyResponseDto[]> {
    return this.policies.versions(p.tenantId, applicationId);
  }

  @Post('policies')
  @HttpCode(201)
  @Access({ roles: ['admin', 'compliance_officer'] })
  @ApiOperation({ summary: 'Publish a new version of the application policy' })
  @ApiCreatedResponse({ type: PolicyResponseDto })
  publish(
    @CurrentPrincipal() p: Principal,
    @IdParam('applicationId') applicationId: string,
    @Body() body: PublishPolicyDto,
  ): Promise<PolicyResponseDto> {
    return this.policies.publish(
      p.tenantId,
      applicationId,
      body.rules,
      p.kind === 'user' ? p.userId : null,
    );
  }
}
