import { DomainError } from 'src/common/domain-error';

export class SlugTakenError extends DomainError {
  constructor(slug: string) {
    super('conflict', 'tenant_slug_taken', `a tenant with slug "${slug}" already exists`);
  }
}

export class InvalidSlugError extends DomainError {
  constructor(slug: string) {
    super(
      'validation_failed',
      'invalid_tenant_slug',
      `"${slug}" is not a usable slug: 2 to 63 lower-case letters, digits and hyphens, starting with a letter or digit`,
    );
  }
}
