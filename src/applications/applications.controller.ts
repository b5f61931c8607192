import { Body, Controller, Get, HttpCode, Ip, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ApiKeyResponseDto,
  ApplicationResponseDto,
  CreateApplicationDto,
  CreatedApplicationResponseDto,
  IssuedApiKeyResponseDto,
  IssueKeyDto,
} from 'src/applications/applications.dto';
import { ApplicationsService } from 'src/applications/applications.service';
import { Access, CurrentPrincipal } from 'src/access/access';
import { actorOf, Principal } from 'src/access/principal';
import { IdParam } from 'src/common/id-param';

@ApiTags('administration')
@Controller('v1')
@Access({ roles: ['admin'] })
export class ApplicationsController {
  constructor(private readonly applications: ApplicationsService) {}

  @Get('applications')
  @ApiOperation({ summary: "List the tenant's applications" })
  @ApiOkResponse({ type: [ApplicationResponseDto] })
  list(@CurrentPrincipal() p: Principal): Promise<ApplicationResponseDto[]> {
    return this.applications.listApplications(p.tenantId);
  }

  @Post('applications')
  @ApiOperation({ summary: 'Register an application; its first API key is in the response, once' })
  @ApiCreatedResponse({ type: CreatedApplicationResponseDto })
  create(
    @CurrentPrincipal() p: Principal,
    @Body() body: CreateApplicationDto,
    @Ip() ip: string,
  ): Promise<CreatedApplicationResponseDto> {
    return this.applications.createApplication(p.tenantId, body, actorOf(p, ip));
  }

  @Get('applications/:applicationId/keys')
  @ApiOperation({ summary: "An application's keys (prefix, scopes, status, last use; no secrets)" })
  @ApiOkResponse({ type: [ApiKeyResponseDto] })
  keys(
    @CurrentPrincipal() p: Principal,
    @IdParam('applicationId') applicationId: string,
  ): Promise<ApiKeyResponseDto[]> {
    return this.applications.listKeys(p.tenantId, applicationId);
  }

  @Post('applications/:applicationId/keys')
  @ApiOperation({ summary: 'Issue another key (e.g. for rotation); shown once' })
  @ApiCreatedResponse({ type: IssuedApiKeyResponseDto })
  issue(
    @CurrentPrincipal() p: Principal,
    @IdParam('applicationId') applicationId: string,
    @Body() body: IssueKeyDto,
    @Ip() ip: string,
  ): Promise<IssuedApiKeyResponseDto> {
    return this.applications.issueKey(p.tenantId, applicationId, body, actorOf(p, ip));
  }

  @Post('api-keys/:keyId/revoke')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke a key; it is refused from the next request on' })
  @ApiOkResponse({ type: ApiKeyResponseDto, description: 'The key, revoked.' })
  revoke(
    @CurrentPrincipal() p: Principal,
    @IdParam('keyId') keyId: string,
    @Ip() ip: string,
  ): Promise<ApiKeyResponseDto> {
    return this.applications.revokeKey(p.tenantId, keyId, actorOf(p, ip));
  }
}
