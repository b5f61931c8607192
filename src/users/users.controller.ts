import { Body, Controller, Get, HttpCode, Ip, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access, CurrentPrincipal } from 'src/access/access';
import { actorOf, Principal } from 'src/access/principal';
import { IdParam } from 'src/common/id-param';
import {
  AuditorGrantResponseDto,
  CreateAuditorGrantDto,
  CreatedUserResponseDto,
  CreateUserDto,
  UserResponseDto,
} from 'src/users/users.dto';
import { UsersService } from 'src/users/users.service';

@ApiTags('administration')
@Controller('v1')
@Access({ roles: ['admin'] })
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get('users')
  @ApiOperation({ summary: "The tenant's people, with role, lock and disabled state" })
  @ApiOkResponse({ type: [UserResponseDto] })
  list(@CurrentPrincipal() p: Principal): Promise<UserResponseDto[]> {
    return this.users.list(p.tenantId);
  }

  @Post('users')
  @ApiOperation({
    summary: 'Add a person; the response holds a one-time password, to be changed at first sign-in',
  })
  @ApiCreatedResponse({ type: CreatedUserResponseDto })
  create(
    @CurrentPrincipal() p: Principal,
    @Body() body: CreateUserDto,
    @Ip() ip: string,
  ): Promise<CreatedUserResponseDto> {
    return this.users.createUser(p.tenantId, body, actorOf(p, ip));
  }

  @Get('users/:userId')
  @ApiOperation({ summary: 'One person' })
  @ApiOkResponse({ type: UserResponseDto })
  get(
    @CurrentPrincipal() p: Principal,
    @IdParam('userId') userId: string,
  ): Promise<UserResponseDto> {
    return this.users.get(p.tenantId, userId);
  }

  @Post('users/:userId/disable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Disable a person; their sessions stop at the next request' })
  @ApiOkResponse({ type: UserResponseDto, description: 'The person, disabled.' })
  disable(
    @CurrentPrincipal() p: Principal,
    @IdParam('userId') userId: string,
    @Ip() ip: string,
  ): Promise<UserResponseDto> {
    return this.users.disable(p.tenantId, userId, actorOf(p, ip));
  }

  @Get('auditor-grants')
  @ApiOperation({ summary: 'Auditor grants, newest first, with their status' })
  @ApiOkResponse({ type: [AuditorGrantResponseDto] })
  grants(@CurrentPrincipal() p: Principal): Promise<AuditorGrantResponseDto[]> {
    return this.users.listGrants(p.tenantId);
  }

  @Post('auditor-grants')
  @ApiOperation({ summary: 'Give an auditor read access until a date; it ends by itself' })
  @ApiCreatedResponse({ type: AuditorGrantResponseDto })
  grant(
    @CurrentPrincipal() p: Principal,
    @Body() body: CreateAuditorGrantDto,
    @Ip() ip: string,
  ): Promise<AuditorGrantResponseDto> {
    return this.users.grantAuditor(p.tenantId, body, actorOf(p, ip));
  }

  @Post('auditor-grants/:grantId/revoke')
  @HttpCode(200)
  @ApiOperation({ summary: 'End an auditor grant now' })
  @ApiOkResponse({ type: AuditorGrantResponseDto, description: 'The grant, revoked.' })
  revoke(
    @CurrentPrincipal() p: Principal,
    @IdParam('grantId') grantId: string,
    @Ip() ip: string,
  ): Promise<AuditorGrantResponseDto> {
    return this.users.revokeGrant(p.tenantId, grantId, actorOf(p, ip));
  }
}
