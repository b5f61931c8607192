import { ApiProperty } from '@nestjs/swagger';
import {
  ApiBase64,
  ApiEnum,
  ApiId,
  ApiNullableInteger,
  ApiNullableString,
  ApiTime,
} from 'src/common/api-schema';
import { JOB_STATUSES, JobStatus } from 'src/jobs/job.entity';
import { LogVerificationView } from 'src/log/log-verifications.service';
import { CheckpointView, ConsistencyProofView, InclusionProofView } from 'src/log/log.service';

const SIGNED_NOTE =
  'The C2SP tlog-checkpoint in a signed note, exactly as signed (origin, size, base64 root, a blank line, signature lines; ends with a newline).';
const TREE_SIZE = { type: 'integer', minimum: 0 } as const;
const AUDIT_PATH = (what: string) =>
  ApiProperty({
    type: String,
    format: 'byte',
    isArray: true,
    description: `The ${what} proof's hashes (RFC 9162), base64, in order.`,
  });

export class CheckpointResponseDto implements CheckpointView {
  @ApiProperty({
    description: "The log's name: LOG_ORIGIN/<tenant id>; also the note's key name.",
    example: 'audit.local/0f6a…',
  })
  origin!: string;

  @ApiProperty({ ...TREE_SIZE, description: 'Entries the checkpoint covers.' })
  size!: number;

  @ApiBase64('Merkle root of the first `size` leaves (RFC 9162), 32 bytes.')
  root!: string;

  @ApiProperty({ description: SIGNED_NOTE })
  checkpoint!: string;

  @ApiTime('When it was signed.')
  createdAt!: string;
}

export class InclusionProofResponseDto implements InclusionProofView {
  @ApiProperty({ ...TREE_SIZE, description: "The entry's index in the log." })
  logIndex!: number;

  @ApiProperty({ ...TREE_SIZE, description: 'Size of the checkpoint the proof is against.' })
  treeSize!: number;

  @ApiBase64("The entry's leaf hash: SHA-256(0x00 ‖ canonical body).")
  leafHash!: string;

  @AUDIT_PATH('inclusion')
  hashes!: string[];

  @ApiProperty({ description: `The checkpoint of size treeSize. ${SIGNED_NOTE}` })
  checkpoint!: string;
}

export class ConsistencyProofResponseDto implements ConsistencyProofView {
  @ApiProperty({ ...TREE_SIZE, description: 'The older checkpoint size (from).' })
  oldSize!: number;

  @ApiProperty({ ...TREE_SIZE, description: 'The newer checkpoint size (to).' })
  newSize!: number;

  @AUDIT_PATH('consistency')
  hashes!: string[];

  @ApiProperty({ description: `The checkpoint of size oldSize. ${SIGNED_NOTE}` })
  oldCheckpoint!: string;

  @ApiProperty({ description: `The checkpoint of size newSize. ${SIGNED_NOTE}` })
  newCheckpoint!: string;
}

/** The synchronous whole-log verification (LogService.verify) with the records auditor's count. */
export class LogVerificationResultResponseDto {
  @ApiProperty({ ...TREE_SIZE, description: 'Entries in the log, all re-verified.' })
  size!: number;

  @ApiProperty({ ...TREE_SIZE, description: 'Records checked against their signed bodies.' })
  records!: number;

  @ApiProperty({
    type: [String],
    description:
      'What is wrong, each naming its entry, record or checkpoint (at most 100); empty: all verified.',
  })
  problems!: string[];
}

export class LogVerificationResponseDto implements LogVerificationView {
  @ApiId('The verification.')
  id!: string;

  @ApiId('The person who asked for it.')
  requestedBy!: string;

  @ApiTime('When it was asked for.')
  requestedAt!: string;

  @ApiEnum(JOB_STATUSES, 'Where its job is.')
  status!: JobStatus;

  @ApiProperty({ type: 'integer', minimum: 0, maximum: 100, description: 'Percent done.' })
  progress!: number;

  @ApiNullableString('What the job is doing now.')
  progressMessage!: string | null;

  @ApiNullableString('Why the job failed, when it did.')
  error!: string | null;

  @ApiTime('When the result was kept; null until then.', { nullable: true })
  completedAt!: string | null;

  @ApiNullableInteger('Entries the verification covered; null until it completes.')
  logSize!: number | null;

  @ApiNullableInteger('Records checked; null until it completes.')
  recordsChecked!: number | null;

  @ApiProperty({
    type: [String],
    nullable: true,
    description:
      'What it found wrong, each naming its record or checkpoint; empty: the log verified; null until it completes.',
  })
  problems!: string[] | null;
}
