import { Body, Controller, Get, HttpCode, Ip, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access, CurrentPrincipal } from 'src/access/access';
import { actorOf, Principal } from 'src/access/principal';
import { IdParam } from 'src/common/id-param';
import { CreateAuditorGrantDto, CreateUserDto } from 'src/users/users.dto';
import { UsersService } from 'src/users/users.service';

@ApiTags('administration')
@Controller('v1')
@Access({ roles: ['admin'] })
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get('users')
  @ApiOperation({ summary: "The tenant's people, with role, lock and disabled state" })
  list(@CurrentPrincipal() p: Principal) {
    return this.users.list(p.tenantId);
  }

  @Post('users')
  @ApiOperation({
    summary: 'Add a person; the response holds a one-time password, to be changed at first sign-in',
  })
  create(@CurrentPrincipal() p: Principal, @Body() body: CreateUserDto, @Ip() ip: string) {
    return this.users.createUser(p.tenantId, body, actorOf(p, ip));
  }

  @Get('users/:userId')
  @ApiOperation({ summary: 'One person' })
  get(@CurrentPrincipal() p: Principal, @IdParam('userId') userId: string) {
    return this.users.get(p.tenantId, userId);
  }

  @Post('users/:userId/disable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Disable a person; their sessions stop at the next request' })
  disable(@CurrentPrincipal() p: Principal, @IdParam('userId') userId: string, @Ip() ip: string) {
    return this.users.disable(p.tenantId, userId, actorOf(p, ip));
  }

  @Get('auditor-grants')
  @ApiOperation({ summary: 'Auditor grants, newest first, with their status' })
  grants(@CurrentPrincipal() p: Principal) {
    return this.users.listGrants(p.tenantId);
  }

  @Post('auditor-grants')
  @ApiOperation({ summary: 'Give an auditor read access until a date; it ends by itself' })
  grant(@CurrentPrincipal() p: Principal, @Body() body: CreateAuditorGrantDto, @Ip() ip: string) {
    return this.users.grantAuditor(p.tenantId, body, actorOf(p, ip));
  }

  @Post('auditor-grants/:grantId/revoke')
  @HttpCode(200)
  @ApiOperation({ summary: 'End an auditor grant now' })
  revoke(@CurrentPrincipal() p: Principal, @IdParam('grantId') grantId: string, @Ip() ip: string) {
    return this.users.revokeGrant(p.tenantId, grantId, actorOf(p, ip));
  }
}
