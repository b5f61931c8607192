import { ApiProperty } from '@nestjs/swagger';
import { AUTH_EVENT_TYPES, AuthEventType } from 'src/auth-events/auth-event-types';
import { AuthEventView } from 'src/auth-events/auth-events.service';
import { ApiEnum, ApiId, ApiNullableString, ApiTime } from 'src/common/api-schema';

const EVENT_ID = { type: String, pattern: '^[1-9]\\d{0,17}$' } as const;

export class AuthEventResponseDto implements AuthEventView {
  @ApiProperty({ ...EVENT_ID, description: 'The event, numbered in the order they happened.' })
  id!: string;

  @ApiTime('When it happened.')
  occurredAt!: string;

  @ApiEnum(AUTH_EVENT_TYPES, 'What happened.')
  type!: AuthEventType;

  @ApiId('The person who did it; null for the service itself or an unknown person.', {
    nullable: true,
  })
  actorUserId!: string | null;

  @ApiId('The person, key, grant or tenant it happened to; null when there is none.', {
    nullable: true,
  })
  subjectId!: string | null;

  @ApiNullableString('The client address the request came from, when it came over HTTP.')
  ip!: string | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'Facts of the event, by type (never a password, key or session token).',
  })
  details!: Record<string, unknown>;
}

export class AuthEventPageResponseDto {
  @ApiProperty({ type: [AuthEventResponseDto], description: 'Newest first.' })
  events!: AuthEventResponseDto[];

  @ApiProperty({
    ...EVENT_ID,
    nullable: true,
    description: 'Pass as `before` for the next, older page; null on the last page.',
  })
  next!: string | null;
}
