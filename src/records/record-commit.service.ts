import { Injectable, Logger } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { ApplicationPrincipal } from 'src/access/principal';
import { DomainError, ValidationFailedError } from 'src/common/domain-error';
import { isUniqueViolation } from 'src/database/unique-violation';
import { PolicyResult, RecordBody } from 'src/evidence-format/record-body';
import { LogService } from 'src/log/log.service';
import { LogWriter } from 'src/log/log-writer';
import { CommittedEntry } from 'src/log/log.types';
import { PolicyBlockedError } from 'src/policies/policies.errors';
import { conceptDetections, conceptShares, RecordDraft } from 'src/records/record-draft';
import { RecordAttachment } from 'src/records/record-entries';
import { sealText } from 'src/records/record-text-cipher';
import { IdempotencyKeyReusedError, RecordNotCommittedError } from 'src/records/records.errors';
import { RecordRow } from 'src/records/records.repository';
import { RecordsService } from 'src/records/records.service';

const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{8,128}$/;

export interface GenerationResponse {
  text: string;
  recordId: string;
  logIndex: number;
  leafHash: string;
  signature: string;
  keyId: string;
  policy: PolicyResult;
  /** True when this response repeats an earlier request with the same Idempotency-Key. */
  replayed: boolean;
}

export type SubmissionResponse = Omit<GenerationResponse, 'text'>;

/** A request as idempotency knows it: its key (if any) and the digest of its JSON as sent. */
export interface IdempotentRequest {
  key: string | null;
  requestSha256: Buffer;
}

/**
 * The commit every record takes, generated or submitted: idempotency first (a retry gets the
 * record it already has), then, once the caller has generated or validated and the policy has
 * judged, seal the text, sign and append to the tenant's log. The response exists only after
 * the commit; a blocked output is recorded and then refused.
 */
@Injectable()
export class RecordCommitService {
  private readonly logger = new Logger(RecordCommitService.name);

  constructor(
    private readonly writer: LogWriter,
    private readonly log: LogService,
    private readonly records: RecordsService,
  ) {}

  /**
   * Checks the Idempotency-Key and looks for an earlier record under it: its response when there
   * is one (a 409 if the request differs), otherwise what `commit` needs to store the key.
   */
  async idempotency(
    principal: ApplicationPrincipal,
    key: string | undefined,
    request: object,
  ): Promise<{ replay: GenerationResponse } | { request: IdempotentRequest }> {
    if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
      throw new ValidationFailedError([
        {
          field: 'Idempotency-Key',
          problems: ['must be 8 to 128 characters of letters, digits and . _ : -'],
        },
      ]);
    }
    // A retry sends the same request again: its JSON as received (members in the order sent)
    // identifies it. Canonical JSON would also match a reordered resend, at several times the
    // cost on a record of tens of kB.
    const requestSha256 = createHash('sha256').update(JSON.stringify(request)).digest();
    const idempotent = { key: key ?? null, requestSha256 };
    if (key) {
      const earlier = await this.records.findByIdempotencyKey(principal, key);
      if (earlier) return { replay: await this.replay(principal, earlier, idempotent) };
    }
    return { request: idempotent };
  }

  /** Seals, signs and appends the record; the response is built from the committed entry. */
  async commit(
    principal: ApplicationPrincipal,
    draft: RecordDraft,
    request: IdempotentRequest,
  ): Promise<GenerationResponse> {
    const { tenantId, applicationId } = principal;
    // The record id is fixed before the commit so the text can be sealed to it.
    const id = randomUUID();
    const { content, text } = draft;
    let entry: CommittedEntry;
    try {
      entry = await this.writer.append<RecordAttachment>(tenantId, {
        kind: 'record',
        id,
        body: content,
        attachment: {
          applicationId,
          provenance: content.provenance,
          purpose: content.request.purpose,
          caseId: content.request.caseId,
          policyOutcome: content.policy.outcome,
          conceptShares: conceptShares(content.chunks),
          conceptDetections: conceptDetections(content.chunks),
          idempotencyKey: request.key,
          requestSha256: request.requestSha256,
          sealed: sealText(id, text),
        },
      });
    } catch (error) {
      if (request.key && isUniqueViolation(error, 'records_idempotency_key')) {
        // A concurrent retry with the same key committed first: answer with its record.
        const earlier = await this.records.findByIdempotencyKey(principal, request.key);
        if (earlier) return this.replay(principal, earlier, request);
      }
      // A refusal of this entry (a body JSON cannot hold) says what is wrong; anything else is
      // the log being unavailable.
      if (error instanceof DomainError) throw error;
      this.logger.error(`record not committed: ${(error as Error).message}`);
      throw new RecordNotCommittedError();
    }
    if (content.policy.outcome === 'block') throw blocked(content.policy, entry.id);
    return response(entry, text.output, content.policy, false);
  }

  private async replay(
    principal: ApplicationPrincipal,
    earlier: RecordRow,
    request: IdempotentRequest,
  ): Promise<GenerationResponse> {
    if (!earlier.requestSha256?.equals(request.requestSha256)) {
      throw new IdempotencyKeyReusedError(request.key ?? '');
    }
    const { tenantId } = principal;
    const [entry, text] = await Promise.all([
      this.log.entry(tenantId, earlier.id),
      this.records.text(tenantId, earlier.id),
    ]);
    if (!entry) throw new Error(`record ${earlier.id} has no log entry`);
    if (!text) {
      throw new DomainError('conflict', 'record_erased', `record ${earlier.id} was erased`);
    }
    const body = JSON.parse(entry.canonical) as RecordBody;
    if (body.policy.outcome === 'block') throw blocked(body.policy, entry.id);
    return response(entry, text.output, body.policy, true);
  }
}

function response(
  entry: CommittedEntry,
  text: string,
  policy: PolicyResult,
  replayed: boolean,
): GenerationResponse {
  return {
    text,
    recordId: entry.id,
    logIndex: entry.logIndex,
    leafHash: entry.leafHash.toString('base64'),
    signature: entry.signature.toString('base64'),
    keyId: entry.keyId,
    policy,
    replayed,
  };
}

function blocked(policy: PolicyResult, recordId: string): PolicyBlockedError {
  return new PolicyBlockedError(
    policy,
    recordId,
    policy.results.filter((r) => r.outcome === 'block').map((r) => r.detail),
  );
}
