import { ApiProperty } from '@nestjs/swagger';

export class LivenessResponseDto {
  @ApiProperty({ type: String, enum: ['ok'] })
  status!: 'ok';
}
