import { Injectable, Logger } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { ApplicationsRepository } from 'src/applications/applications.repository';
import { ApplicationPrincipal, Principal, UserPrincipal } from 'src/access/principal';
import { DomainError, NotFoundError, ValidationFailedError } from 'src/common/domain-error';
import { TenantDatabase } from 'src/database/tenant-database';
import { isUniqueViolation } from 'src/database/unique-violation';
import { LogRepository } from 'src/log/log.repository';
import { LogWriter } from 'src/log/log-writer';
import { CommittedEntry, signedEntry, SignedEntry } from 'src/log/log.types';
import { ModelRuntime } from 'src/model-runtime/model-runtime';
import {
  conceptShares,
  PolicyResult,
  RecordBody,
  RecordChunk,
  recordChunk,
  RecordParts,
  recordParts,
  RecordText,
  RequestContext,
} from 'src/records/record-body';
import { PolicyBlockedError, PolicyFieldsMissingError } from 'src/policies/policies.errors';
import { PolicyVersion } from 'src/policies/policies.repository';
import { PoliciesService } from 'src/policies/policies.service';
import { evaluatePolicy } from 'src/policies/policy-rules';
import { openText, sealText } from 'src/records/record-text-cipher';
import { submittedRecordParts, validateSubmittedRecord } from 'src/records/submitted-record';
import {
  CreateGenerationDto,
  CreateReviewDto,
  EraseRecordDto,
  SearchRecordsDto,
} from 'src/records/records.dto';
import { TextAlreadyErasedError } from 'src/log/log.errors';
import { IdempotencyKeyReusedError, RecordNotCommittedError } from 'src/records/records.errors';
import { RecordRow, RecordsRepository } from 'src/records/records.repository';

const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{8,128}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Reads listed with a record; the rest are counted. */
const LATEST_READS = 20;
/** How long an application's name and policy in force are reused. */
const SETTINGS_TTL_MS = 1_000;

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

export interface RecordView {
  id: string;
  logIndex: number;
  applicationId: string;
  createdAt: string;
  provenance: 'generated' | 'submitted';
  policyOutcome: 'pass' | 'flag' | 'block';
  /** The signed log entry: body, leaf hash, signature and key id (what `audit-verify` reads). */
  entry: SignedEntry;
  /** Prompt and output; null once erased. */
  text: RecordText | null;
  /** Later entries about this record: reviews, erasures, and the latest reads. */
  related: SignedEntry[];
  /** Reads of this record by people, in all (the latest few are in `related`). */
  accessCount: number;
}

const NO_POLICY: PolicyResult = {
  policyId: null,
  policyVersion: null,
  rulesSha256: null,
  outcome: 'pass',
  results: [],
};

function toContext(context: CreateGenerationDto['context']): RequestContext {
  return {
    purpose: context?.purpose ?? null,
    caseId: context?.caseId ?? null,
    subjectRef: context?.subjectRef ?? null,
    solelyAutomatedDecision: context?.solelyAutomatedDecision ?? false,
  };
}

/** A request that lacks what the policy requires is refused before anything runs. */
function requireFields(inForce: PolicyVersion | undefined, context: RequestContext): void {
  const missing = (inForce?.rules.requiredFields ?? []).filter((f) => context[f] === null);
  if (inForce && missing.length > 0) throw new PolicyFieldsMissingError(inForce, missing);
}

function blocked(policy: PolicyResult, recordId: string): PolicyBlockedError {
  return new PolicyBlockedError(
    policy,
    recordId,
    policy.results.filter((r) => r.outcome === 'block').map((r) => r.detail),
  );
}

/**
 * Records: every generation through the service is attributed, signed and committed to the
 * tenant's log before its text is released; reads by people are themselves logged.
 */
@Injectable()
export class RecordsService {
  private readonly logger = new Logger(RecordsService.name);
  private readonly settings = new Map<
    string,
    {
      at: number;
      value: Promise<{
        application: { id: string; name: string } | null;
        inForce: PolicyVersion | undefined;
      }>;
    }
  >();

  constructor(
    private readonly runtime: ModelRuntime,
    private readonly writer: LogWriter,
    private readonly log: LogRepository,
    private readonly records: RecordsRepository,
    private readonly applications: ApplicationsRepository,
    private readonly policies: PoliciesService,
    private readonly db: TenantDatabase,
  ) {
    policies.onPublished((tenantId, applicationId) =>
      this.settings.delete(`${tenantId}/${applicationId}`),
    );
  }

  async generate(
    principal: ApplicationPrincipal,
    request: CreateGenerationDto,
    idempotencyKey: string | undefined,
  ): Promise<GenerationResponse> {
    return this.record(principal, request, idempotencyKey, async (application, inForce) => {
      const context = toContext(request.context);
      requireFields(inForce, context);
      // The policy's steering wins over the request's for the same concept.
      const ruled = new Set(inForce?.rules.steering.map((s) => s.concept));
      const steering = [
        ...(request.steering ?? []).filter((s) => !ruled.has(s.concept)),
        ...(inForce?.rules.steering ?? []),
      ];
      const result = await this.runtime.generate(request.prompt, {
        maxTokens: request.maxTokens,
        temperature: request.temperature,
        topP: request.topP,
        seed: request.seed,
        steering,
      });
      const chunks = result.chunks.map(recordChunk);
      return {
        provenance: 'generated',
        applicationId: application.id,
        applicationName: application.name,
        request: context,
        result,
        chunks,
        policy: evaluatePolicy(inForce ?? null, chunks, result.steering),
      };
    });
  }

  /**
   * A generation made by the application's own interpretable model server: its attributions
   * are validated strictly, judged by the application's policy, signed and committed as they
   * were received (provenance `submitted`).
   */
  async submit(
    principal: ApplicationPrincipal,
    payload: unknown,
    idempotencyKey: string | undefined,
  ): Promise<SubmissionResponse> {
    const submitted = validateSubmittedRecord(payload);
    const response = await this.record(
      principal,
      submitted,
      idempotencyKey,
      (application, inForce) => {
        const parts = submittedRecordParts(submitted, application, NO_POLICY);
        requireFields(inForce, parts.request);
        const chunks = submitted.chunks.map(recordChunk);
        const policy = evaluatePolicy(inForce ?? null, chunks, submitted.steering);
        return Promise.resolve({ ...parts, chunks, policy });
      },
    );
    // The application has the text already; the response carries only the record.
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

  /**
   * The path every record takes: idempotent replay, the application and its policy in force,
   * `make` (generate or validate), then sign and commit; the response is built only after the
   * commit, and a blocked output is recorded and then refused.
   */
  private async record(
    principal: ApplicationPrincipal,
    request: object,
    idempotencyKey: string | undefined,
    make: (
      application: { id: string; name: string },
      inForce: PolicyVersion | undefined,
    ) => Promise<RecordParts>,
  ): Promise<GenerationResponse> {
    const { tenantId, applicationId } = principal;
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
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
    if (idempotencyKey) {
      const earlier = await this.records.byIdempotencyKey(tenantId, applicationId, idempotencyKey);
      if (earlier) return this.replay(tenantId, earlier, idempotencyKey, requestSha256);
    }
    const { application, inForce } = await this.applicationSettings(tenantId, applicationId);
    if (!application) throw new NotFoundError('application', applicationId);
    const parts = await make({ id: application.id, name: application.name }, inForce);
    const { body, text, chunks } = recordParts(parts);
    let entry: CommittedEntry;
    try {
      entry = await this.writer.append(tenantId, {
        kind: 'record',
        body: (slot) => body(slot) as unknown as Record<string, unknown>,
        ...this.attachments(chunks, text, {
          applicationId,
          provenance: parts.provenance,
          context: parts.request,
          policy: parts.policy,
          idempotencyKey: idempotencyKey ?? null,
          requestSha256,
        }),
      });
    } catch (error) {
      if (idempotencyKey && isUniqueViolation(error, 'records_idempotency_key')) {
        // A concurrent retry with the same key committed first: answer with its record.
        const earlier = await this.records.byIdempotencyKey(
          tenantId,
          applicationId,
          idempotencyKey,
        );
        if (earlier) return this.replay(tenantId, earlier, idempotencyKey, requestSha256);
      }
      // A refusal of this entry (a body JSON cannot hold) says what is wrong; anything else is
      // the log being unavailable.
      if (error instanceof DomainError) throw error;
      this.logger.error(`record not committed: ${(error as Error).message}`);
      throw new RecordNotCommittedError();
    }
    if (parts.policy.outcome === 'block') throw blocked(parts.policy, entry.id);
    return {
      text: parts.result.text,
      recordId: entry.id,
      logIndex: entry.logIndex,
      leafHash: entry.leafHash.toString('base64'),
      signature: entry.signature.toString('base64'),
      keyId: entry.keyId,
      policy: parts.policy,
      replayed: false,
    };
  }

  /**
   * A record with its signed entry, its text (unless erased) and the entries about it. A read
   * by a person is appended to the log first: if it cannot be, the record is not shown.
   */
  async get(principal: Principal, id: string): Promise<RecordView> {
    const { tenantId } = principal;
    const row = await this.records.byId(tenantId, id);
    if (!row) throw new NotFoundError('record', id);
    if (principal.kind === 'user') {
      await this.appendAbout(principal, id, 'access', { action: 'read' });
    }
    const [entry, related, text] = await Promise.all([
      this.log.entryById(tenantId, id),
      this.log.entriesAboutForDisplay(tenantId, id, LATEST_READS),
      this.text(tenantId, id),
    ]);
    if (!entry) throw new Error(`record ${id} has no log entry`);
    // A blocked output is for people to review, not for applications to read back.
    const shown = row.policyOutcome === 'block' && principal.kind === 'application' ? null : text;
    return { ...this.view(row, entry, related.entries, shown), accessCount: related.accessCount };
  }

  /** A review, annotation or correction of a record: a new log entry naming it, never an edit. */
  async review(
    principal: UserPrincipal,
    id: string,
    review: CreateReviewDto,
  ): Promise<SignedEntry> {
    await this.requireRecord(principal.tenantId, id);
    return signedEntry(
      await this.appendAbout(principal, id, 'review', {
        type: review.type ?? 'review',
        verdict: review.verdict ?? null,
        note: review.note ?? null,
      }),
    );
  }

  /**
   * Erasure (GDPR Art. 17): the record's text key is deleted in the same transaction that logs
   * the erasure with its reason. The body, its commitments and every proof stay verifiable.
   */
  async erase(principal: UserPrincipal, id: string, request: EraseRecordDto): Promise<SignedEntry> {
    await this.requireRecord(principal.tenantId, id);
    const sealed = await this.records.text(principal.tenantId, id);
    if (!sealed?.dataKey) throw new TextAlreadyErasedError([id]);
    return signedEntry(
      await this.appendAbout(principal, id, 'erasure', { reason: request.reason }, id),
    );
  }

  private async requireRecord(tenantId: string, id: string): Promise<void> {
    if (!(await this.records.byId(tenantId, id))) throw new NotFoundError('record', id);
  }

  /** Appends an entry about a record, signed by the service, naming the person. */
  private async appendAbout(
    person: UserPrincipal,
    recordId: string,
    kind: 'review' | 'erasure' | 'access',
    details: Record<string, unknown>,
    erasesTextOf?: string,
  ): Promise<CommittedEntry> {
    const record = await this.log.entryById(person.tenantId, recordId);
    if (!record) throw new NotFoundError('record', recordId);
    try {
      return await this.writer.append(person.tenantId, {
        kind,
        subjectId: recordId,
        erasesTextOf,
        body: (slot) => ({
          schemaVersion: 1,
          kind,
          id: slot.id,
          tenant: slot.tenantId,
          logIndex: slot.logIndex,
          time: slot.time,
          record: {
            id: recordId,
            logIndex: record.logIndex,
            leafHash: record.leafHash.toString('base64'),
          },
          by: { userId: person.userId, role: person.role },
          ...details,
        }),
      });
    } catch (error) {
      if (error instanceof DomainError) throw error;
      this.logger.error(`${kind} entry not committed: ${(error as Error).message}`);
      throw new RecordNotCommittedError();
    }
  }

  async search(principal: Principal, query: SearchRecordsDto) {
    if (query.minShare !== undefined && query.concept === undefined) {
      throw new ValidationFailedError([
        { field: 'minShare', problems: ['needs concept: the share of which concept'] },
      ]);
    }
    const limit = query.limit ?? 50;
    const rows = await this.records.search(principal.tenantId, {
      from: query.from ? new Date(query.from) : undefined,
      to: query.to ? new Date(query.to) : undefined,
      applicationId: query.applicationId,
      concept: query.concept,
      minShare: query.minShare,
      policyOutcome: query.policyOutcome,
      caseId: query.caseId,
      after: query.cursor ? decodeCursor(query.cursor) : undefined,
      limit,
    });
    const last = rows[rows.length - 1];
    return {
      records: rows.map((r) => ({
        id: r.id,
        logIndex: r.logIndex,
        applicationId: r.applicationId,
        createdAt: r.createdAt.toISOString(),
        provenance: r.provenance,
        purpose: r.purpose,
        caseId: r.caseId,
        policyOutcome: r.policyOutcome,
      })),
      nextCursor: rows.length === limit && last ? encodeCursor(last) : null,
    };
  }

  private attachments(
    chunks: readonly RecordChunk[],
    text: RecordText,
    facts: {
      applicationId: string;
      provenance: 'generated' | 'submitted';
      context: RequestContext;
      policy: PolicyResult;
      idempotencyKey: string | null;
      requestSha256: Buffer;
    },
  ) {
    // The record id is fixed before the commit so the text can be sealed to it.
    const id = randomUUID();
    const sealed = sealText(id, text);
    const shares = conceptShares(chunks);
    return {
      id,
      attached: [
        {
          table: 'records' as const,
          values: {
            applicationId: facts.applicationId,
            provenance: facts.provenance,
            purpose: facts.context.purpose,
            caseId: facts.context.caseId,
            policyOutcome: facts.policy.outcome,
            conceptShares: shares,
            idempotencyKey: facts.idempotencyKey,
            requestSha256: facts.requestSha256,
          },
        },
        {
          table: 'record_texts' as const,
          values: { iv: sealed.iv, ciphertext: sealed.ciphertext, tag: sealed.tag },
        },
        { table: 'record_text_keys' as const, values: { dataKey: sealed.dataKey } },
      ],
    };
  }

  /**
   * The application and its policy in force, read in one transaction and kept for
   * SETTINGS_TTL_MS: under load that is one read per application per second instead of two per
   * record. A policy published through this process applies at once; through another, within a
   * second. The record always names the version that was applied.
   */
  private applicationSettings(tenantId: string, applicationId: string) {
    const key = `${tenantId}/${applicationId}`;
    const cached = this.settings.get(key);
    if (cached && Date.now() - cached.at < SETTINGS_TTL_MS) return cached.value;
    const value = this.db.run(tenantId, async () => ({
      application: await this.applications.findApplication(tenantId, applicationId),
      inForce: await this.policies.inForce(tenantId, applicationId),
    }));
    this.settings.set(key, { at: Date.now(), value });
    value.catch(() => this.settings.delete(key));
    return value;
  }

  private async replay(
    tenantId: string,
    earlier: RecordRow,
    key: string,
    requestSha256: Buffer,
  ): Promise<GenerationResponse> {
    if (!earlier.requestSha256?.equals(requestSha256)) throw new IdempotencyKeyReusedError(key);
    const [entry, text] = await Promise.all([
      this.log.entryById(tenantId, earlier.id),
      this.text(tenantId, earlier.id),
    ]);
    if (!entry) throw new Error(`record ${earlier.id} has no log entry`);
    if (!text) {
      throw new DomainError('conflict', 'record_erased', `record ${earlier.id} was erased`);
    }
    const body = JSON.parse(entry.canonical) as RecordBody;
    if (body.policy.outcome === 'block') throw blocked(body.policy, entry.id);
    return {
      text: text.output,
      recordId: entry.id,
      logIndex: entry.logIndex,
      leafHash: entry.leafHash.toString('base64'),
      signature: entry.signature.toString('base64'),
      keyId: entry.keyId,
      policy: body.policy,
      replayed: true,
    };
  }

  private async text(tenantId: string, id: string): Promise<RecordText | null> {
    const sealed = await this.records.text(tenantId, id);
    if (!sealed?.dataKey) return null;
    return openText(id, { ...sealed, dataKey: sealed.dataKey });
  }

  private view(
    row: RecordRow,
    entry: CommittedEntry,
    related: CommittedEntry[],
    text: RecordText | null,
  ): Omit<RecordView, 'accessCount'> {
    return {
      id: row.id,
      logIndex: row.logIndex,
      applicationId: row.applicationId,
      createdAt: row.createdAt.toISOString(),
      provenance: row.provenance,
      policyOutcome: row.policyOutcome,
      entry: signedEntry(entry),
      text,
      related: related.map(signedEntry),
    };
  }
}

function encodeCursor(row: RecordRow): string {
  return Buffer.from(`${row.createdAt.toISOString()}|${row.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [time, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(time);
  if (!id || !UUID.test(id) || Number.isNaN(createdAt.getTime())) {
    throw new ValidationFailedError([
      { field: 'cursor', problems: ['is not a cursor this API gave'] },
    ]);
  }
  return { createdAt, id };
}
