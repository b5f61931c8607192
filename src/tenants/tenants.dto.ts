import { ApiProperty } from '@nestjs/swagger';
import { ApiId, ApiTime } from 'src/common/api-schema';
import { TenantView } from 'src/tenants/tenants.service';

export class TenantResponseDto implements TenantView {
  @ApiId('The tenant: every id of its data is scoped to it.')
  id!: string;

  @ApiProperty({ description: 'The organisation name people sign in with.', example: 'demo' })
  slug!: string;

  @ApiProperty({ example: "St Mary's Hospital" })
  name!: string;

  @ApiProperty({ description: 'The demo tenant the embedded default creates on first start.' })
  isDemo!: boolean;

  @ApiTime('When the tenant was created.')
  createdAt!: string;
}
