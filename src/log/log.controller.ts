import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { Access, CurrentPrincipal } from 'src/access/access';
import { Principal } from 'src/access/principal';
import { ValidationFailedError } from 'src/common/domain-error';
import { IdParam } from 'src/common/id-param';
import {
  CheckpointResponseDto,
  ConsistencyProofResponseDto,
  InclusionProofResponseDto,
} from 'src/log/log.dto';
import { LogService } from 'src/log/log.service';

/** A tree size in a query: a whole number, read by parseSize below. */
const SizeQuery = (name: string, required: boolean, description: string) =>
  ApiQuery({ name, required, description, schema: { type: 'integer', minimum: 0 } });

const READERS = {
  roles: ['admin', 'compliance_officer', 'auditor'],
  scope: 'records:read',
} as const;

@ApiTags('log')
@Controller('v1/log')
export class LogController {
  constructor(private readonly log: LogService) {}

  @Get('checkpoint')
  @Access(READERS)
  @ApiOperation({ summary: "The latest signed checkpoint of the tenant's log (C2SP signed note)" })
  @ApiOkResponse({ type: CheckpointResponseDto })
  latest(@CurrentPrincipal() p: Principal): Promise<CheckpointResponseDto> {
    return this.log.latestCheckpoint(p.tenantId);
  }

  @Post('checkpoints')
  @HttpCode(201)
  @Access({ roles: ['admin', 'compliance_officer'], scope: 'records:read' })
  @ApiOperation({ summary: 'Sign a checkpoint of the log as it is now' })
  @ApiCreatedResponse({
    type: CheckpointResponseDto,
    description:
      'The checkpoint of the log as it is now (the stored one when the log has not grown).',
  })
  issue(@CurrentPrincipal() p: Principal): Promise<CheckpointResponseDto> {
    return this.log.issueCheckpoint(p.tenantId);
  }

  @Get('checkpoints/:size')
  @Access(READERS)
  @ApiOperation({ summary: 'The signed checkpoint of a given tree size' })
  @ApiOkResponse({ type: CheckpointResponseDto })
  checkpoint(
    @CurrentPrincipal() p: Principal,
    @Param('size') treeSize: string,
  ): Promise<CheckpointResponseDto> {
    return this.log.checkpointOfSize(p.tenantId, parseSize('size', treeSize));
  }

  @Get('entries/:id/inclusion-proof')
  @Access(READERS)
  @ApiOperation({
    summary: 'Inclusion proof of an entry against a checkpoint (the latest by default)',
  })
  @ApiOkResponse({ type: InclusionProofResponseDto })
  @SizeQuery(
    'size',
    false,
    'The size of a signed checkpoint; absent: the latest (signed now if needed).',
  )
  inclusion(
    @CurrentPrincipal() p: Principal,
    @IdParam('id') id: string,
    @Query('size') treeSize?: string,
  ): Promise<InclusionProofResponseDto> {
    return this.log.inclusionProof(
      p.tenantId,
      id,
      treeSize === undefined ? undefined : parseSize('size', treeSize),
    );
  }

  @Get('consistency-proof')
  @Access(READERS)
  @ApiOperation({ summary: 'Consistency proof between two checkpoint sizes' })
  @ApiOkResponse({ type: ConsistencyProofResponseDto })
  @SizeQuery('from', true, 'The size of the older signed checkpoint.')
  @SizeQuery('to', true, 'The size of the newer signed checkpoint.')
  consistency(
    @CurrentPrincipal() p: Principal,
    @Query('from') from?: string,
    @Query('to') to?: string,
  ): Promise<ConsistencyProofResponseDto> {
    return this.log.consistencyProof(p.tenantId, parseSize('from', from), parseSize('to', to));
  }
}

function parseSize(name: string, raw: string | undefined): number {
  if (raw === undefined || !/^\d{1,15}$/.test(raw)) {
    throw new ValidationFailedError([{ field: name, problems: ['must be a whole number ≥ 0'] }]);
  }
  return Number(raw);
}
