import { ApiProperty } from '@nestjs/swagger';
import { IsObject } from 'class-validator';

export class PublishPolicyDto {
  @ApiProperty({
    description:
      'steering: [{ concept, mode: suppress|amplify, weight? }], thresholds: [{ group, flagAbove?, blockAbove? }], requiredFields: [purpose|caseId|subjectRef]',
    example: {
      steering: [{ concept: 'topic.politics_government', mode: 'suppress' }],
      thresholds: [{ group: 'health', flagAbove: 0.2, blockAbove: 0.5 }],
      requiredFields: ['purpose', 'caseId'],
    },
  })
  @IsObject()
  rules!: Record<string, unknown>;
}
