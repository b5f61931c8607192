import { DomainError } from 'src/common/domain-error';
import { RequirableField } from 'src/policies/policy-rules';

export class PolicyVersionRaceError extends DomainError {
  constructor() {
    super(
      'conflict',
      'policy_changed_concurrently',
      'another version of this policy was published at the same moment; read it and publish again',
    );
  }
}

/** A request that lacks what the application's policy requires: refused before anything runs. */
export class PolicyFieldsMissingError extends DomainError {
  constructor(policy: { id: string; version: number }, missing: RequirableField[]) {
    super(
      'validation_failed',
      'policy_fields_missing',
      `policy ${policy.id} version ${policy.version} requires context.${missing.join(', context.')}`,
      { policyId: policy.id, policyVersion: policy.version, missing },
    );
  }
}

/** The output crossed a block limit: the record is written, the text is withheld. */
export class PolicyBlockedError extends DomainError {
  constructor(
    policy: { policyId: string | null; policyVersion: number | null },
    recordId: string,
    reasons: string[],
  ) {
    super(
      'forbidden',
      'policy_blocked',
      `policy ${policy.policyId} version ${policy.policyVersion} blocked this output (${reasons.join('; ')}); it is recorded as ${recordId}`,
      { policyId: policy.policyId, policyVersion: policy.policyVersion, recordId, reasons },
    );
  }
}
