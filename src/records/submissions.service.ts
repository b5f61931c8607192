import { Injectable } from '@nestjs/common';
import { ApplicationPrincipal } from 'src/access/principal';
import { PoliciesService } from 'src/policies/policies.service';
import { RecordCommitService, SubmissionResponse } from 'src/records/record-commit.service';
import { recordChunk, recordDraft } from 'src/records/record-draft';
import {
  submittedRecordInput,
  toRequestContext,
  validateSubmittedRecord,
} from 'src/records/submitted-record';

/**
 * `POST /v1/records`: a generation made by the application's own interpretable model server.
 * Its attributions are validated strictly, judged by the application's policy, signed and
 * committed as they were received (provenance `submitted`).
 */
@Injectable()
export class SubmissionsService {
  constructor(
    private readonly policies: PoliciesService,
    private readonly commits: RecordCommitService,
  ) {}

  async submit(
    principal: ApplicationPrincipal,
    payload: unknown,
    idempotencyKey: string | undefined,
  ): Promise<SubmissionResponse> {
    const submitted = validateSubmittedRecord(payload);
    const idempotency = await this.commits.idempotency(principal, idempotencyKey, submitted);
    if ('replay' in idempotency) return withoutText(idempotency.replay);

    const { tenantId, applicationId } = principal;
    const { application, inForce } = await this.policies.requireApplicationPolicy(
      tenantId,
      applicationId,
    );
    this.policies.requireFields(inForce, toRequestContext(submitted));
    const chunks = submitted.chunks.map(recordChunk);
    const policy = this.policies.evaluate(inForce, chunks, submitted.steering);

    const input = submittedRecordInput(
      submitted,
      { id: application.id, name: application.name },
      chunks,
      policy,
    );
    const committed = await this.commits.commit(principal, recordDraft(input), idempotency.request);
    return withoutText(committed);
  }
}

/** The application has the text already; the response carries only the record. */
function withoutText(response: SubmissionResponse & { text?: string }): SubmissionResponse {
  return {
    recordId: response.recordId,
    logIndex: response.logIndex,
    leafHash: response.leafHash,
    signature: response.signature,
    keyId: response.keyId,
    policy: response.policy,
    replayed: response.replayed,
  };
}
