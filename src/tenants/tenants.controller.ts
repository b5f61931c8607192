import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access, CurrentPrincipal } from 'src/access/access';
import { Principal } from 'src/access/principal';
import { TenantResponseDto } from 'src/tenants/tenants.dto';
import { TenantsService } from 'src/tenants/tenants.service';

@ApiTags('administration')
@Controller('v1/tenant')
export class TenantsController {
  constructor(private readonly tenants: TenantsService) {}

  @Get()
  @Access({ roles: ['admin', 'compliance_officer', 'auditor'] })
  @ApiOperation({ summary: "The caller's own tenant (creating tenants is a CLI operation)" })
  @ApiOkResponse({ type: TenantResponseDto })
  get(@CurrentPrincipal() p: Principal): Promise<TenantResponseDto> {
    return this.tenants.get(p.tenantId);
  }
}
