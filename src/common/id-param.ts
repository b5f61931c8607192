import { Param, ParseUUIDPipe } from '@nestjs/common';

/** A path parameter that must be a UUID; anything else is a 400 that names the parameter. */
export const IdParam = (name: string) =>
  Param(
    name,
    new ParseUUIDPipe({
      exceptionFactory: () => new MalformedIdError(name),
    }),
  );

import { DomainError } from 'src/common/domain-error';

export class MalformedIdError extends DomainError {
  constructor(name: string) {
    super('malformed_request', 'malformed_id', `path parameter ${name} must be a UUID`);
  }
}
