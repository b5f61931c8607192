import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsObject,
  IsString,
  ValidateBy,
  ValidateIf,
  ValidateNested,
  ValidationArguments,
} from 'class-validator';
import { ApiEnum, ApiId, ApiTime } from 'src/common/api-schema';
import { PolicyView } from 'src/policies/policies.service';
import {
  PolicyRules,
  PolicyRulesInput,
  REQUIRABLE_FIELDS,
  RequirableField,
} from 'src/policies/policy-rules';

// The structure of a policy, checked by the global ValidationPipe like every other body: unknown
// members are refused, each member is typed and ranged here. What needs the model in service
// (concepts and groups exist, no concept steered twice) or a whole entry (a threshold needs a
// limit, flag ≤ block) is `policyRulesProblems` in policy-rules.ts, run by the service.
//
// The nested classes carry no @ApiProperty: the OpenAPI document describes `rules` in one
// property (below), and stays the published contract.

/** A member that may be absent, but not null: a stored policy never holds a null. */
const Present = () => ValidateIf((_object: object, value: unknown) => value !== undefined);

/** A finite number from 0 to 1. */
const IsShare = (message: string) =>
  ValidateBy({
    name: 'isShare',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 1,
      defaultMessage: () => message,
    },
  });

const MAX_ENTRIES = 64;

/**
 * A list of at most 64 entries, in one check with one message. A list of objects may not hold
 * lists: class-validator would validate the objects inside one as entries, and a `[[{...}]]`
 * would reach the service as a list of rules.
 */
const IsRuleList = (of: 'objects' | 'values') =>
  ValidateBy({
    name: 'isRuleList',
    validator: {
      validate: (value: unknown) =>
        Array.isArray(value) &&
        value.length <= MAX_ENTRIES &&
        (of === 'values' || !value.some((entry) => Array.isArray(entry))),
      defaultMessage: (args?: ValidationArguments) =>
        Array.isArray(args?.value) && args.value.length <= MAX_ENTRIES
          ? 'each entry must be an object, not an array'
          : `must be an array of at most ${MAX_ENTRIES} entries`,
    },
  });

const EACH_AN_OBJECT = 'each entry must be an object';

class SteeringRuleDto {
  @IsString({
    message: ({ value }: ValidationArguments) =>
      `must name a concept of the model, got ${JSON.stringify(value)}`,
  })
  concept!: string;

  @IsIn(['suppress', 'amplify'], { message: 'must be suppress or amplify' })
  mode!: 'suppress' | 'amplify';

  @Present()
  @IsShare('must be a number between 0 and 1')
  weight?: number;
}

class ThresholdRuleDto {
  @IsString({ message: 'must be a string naming a concept group of the model' })
  group!: string;

  @Present()
  @IsShare('must be a share between 0 and 1')
  flagAbove?: number;

  @Present()
  @IsShare('must be a share between 0 and 1')
  blockAbove?: number;
}

export class PolicyRulesDto implements PolicyRulesInput {
  @Present()
  @IsRuleList('objects')
  @ValidateNested({ each: true, message: EACH_AN_OBJECT })
  @Type(() => SteeringRuleDto)
  steering?: SteeringRuleDto[];

  @Present()
  @IsRuleList('objects')
  @ValidateNested({ each: true, message: EACH_AN_OBJECT })
  @Type(() => ThresholdRuleDto)
  thresholds?: ThresholdRuleDto[];

  @Present()
  @IsIn(REQUIRABLE_FIELDS, {
    each: true,
    message: `each entry must be one of ${REQUIRABLE_FIELDS.join(', ')}`,
  })
  // Last, so first to run: the list's problem is told before its entries'.
  @IsRuleList('values')
  requiredFields?: RequirableField[];
}

export class PublishPolicyDto {
  @ApiProperty({
    // Stated, so that the document keeps one object property rather than a schema per class.
    type: Object,
    description:
      'steering: [{ concept, mode: suppress|amplify, weight? }], thresholds: [{ group, flagAbove?, blockAbove? }], requiredFields: [purpose|caseId|subjectRef]',
    example: {
      steering: [{ concept: 'topic.politics_government', mode: 'suppress' }],
      thresholds: [{ group: 'health', flagAbove: 0.2, blockAbove: 0.5 }],
      requiredFields: ['purpose', 'caseId'],
    },
  })
  @IsObject()
  // The same words as @IsObject's, so that a non-object is told once (flattenValidationErrors).
  @ValidateNested({ message: '$property must be an object' })
  @Type(() => PolicyRulesDto)
  rules!: PolicyRulesDto;
}

// What a stored policy version says: the rules as published, every list present.

class SteeringRuleResponseDto {
  @ApiProperty({ description: 'A named concept of the model.', example: 'health.medication' })
  concept!: string;

  @ApiEnum(['suppress', 'amplify'], 'How it is steered.')
  mode!: 'suppress' | 'amplify';

  @ApiPropertyOptional({ minimum: 0, maximum: 1, description: 'Absent: the default strength.' })
  weight?: number;
}

class ThresholdRuleResponseDto {
  @ApiProperty({ description: 'A concept group of the model.', example: 'health' })
  group!: string;

  @ApiPropertyOptional({ minimum: 0, maximum: 1, description: "Flag above this group's share." })
  flagAbove?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 1, description: "Block above this group's share." })
  blockAbove?: number;
}

class PolicyRulesResponseDto implements PolicyRules {
  @ApiProperty({ type: [SteeringRuleResponseDto], description: 'Wins over the request.' })
  steering!: SteeringRuleResponseDto[];

  @ApiProperty({ type: [ThresholdRuleResponseDto] })
  thresholds!: ThresholdRuleResponseDto[];

  @ApiProperty({
    enum: REQUIRABLE_FIELDS,
    isArray: true,
    description: 'Request context members a request must carry.',
  })
  requiredFields!: RequirableField[];
}

export class PolicyResponseDto implements PolicyView {
  @ApiId('The policy (the same for all its versions).')
  id!: string;

  @ApiId('The application it governs.')
  applicationId!: string;

  @ApiProperty({ type: 'integer', minimum: 1, description: 'Its version, from 1.' })
  version!: number;

  @ApiProperty({ type: PolicyRulesResponseDto })
  rules!: PolicyRulesResponseDto;

  @ApiId('The person who published it; null for the CLI or an application.', { nullable: true })
  createdBy!: string | null;

  @ApiTime('When it was published.')
  createdAt!: string;
}
