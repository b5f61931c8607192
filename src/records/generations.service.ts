import { Injectable } from '@nestjs/common';
import { ApplicationPrincipal } from 'src/access/principal';
import { RequestContext } from 'src/evidence-format/record-body';
import { ModelRuntime } from 'src/model-runtime/model-runtime';
import { PoliciesService } from 'src/policies/policies.service';
import { GenerationResponse, RecordCommitService } from 'src/records/record-commit.service';
import { recordChunk, recordDraft } from 'src/records/record-draft';
import { CreateGenerationDto } from 'src/records/records.dto';

/**
 * `POST /v1/generations`: every generation through the service is attributed, judged by the
 * application's policy, signed and committed to the tenant's log before its text is released.
 */
@Injectable()
export class GenerationsService {
  constructor(
    private readonly runtime: ModelRuntime,
    private readonly policies: PoliciesService,
    private readonly commits: RecordCommitService,
  ) {}

  async generate(
    principal: ApplicationPrincipal,
    request: CreateGenerationDto,
    idempotencyKey: string | undefined,
  ): Promise<GenerationResponse> {
    const idempotency = await this.commits.idempotency(principal, idempotencyKey, request);
    if ('replay' in idempotency) return idempotency.replay;

    const { tenantId, applicationId } = principal;
    const { application, inForce } = await this.policies.requireApplicationPolicy(
      tenantId,
      applicationId,
    );
    const context = requestContext(request.context);
    this.policies.requireFields(inForce, context);

    const result = await this.runtime.generate(request.prompt, {
      maxTokens: request.maxTokens,
      temperature: request.temperature,
      topP: request.topP,
      seed: request.seed,
      steering: this.policies.steering(inForce, request.steering),
    });
    const chunks = result.chunks.map(recordChunk);
    const policy = this.policies.evaluate(inForce, chunks, result.steering);

    const draft = recordDraft({
      application: { id: application.id, name: application.name },
      provenance: 'generated',
      request: context,
      result,
      chunks,
      policy,
    });
    return this.commits.commit(principal, draft, idempotency.request);
  }
}

function requestContext(context: CreateGenerationDto['context']): RequestContext {
  return {
    purpose: context?.purpose ?? null,
    caseId: context?.caseId ?? null,
    subjectRef: context?.subjectRef ?? null,
    solelyAutomatedDecision: context?.solelyAutomatedDecision ?? false,
  };
}
