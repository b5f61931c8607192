import { GenerationResult } from 'src/model-runtime/generation.types';
import { SubmittedRecord } from 'src/records/submitted-record';

/** What an application's own model server sends for a generation: the runtime's result, reshaped, as JSON. */
export function submittedPayload(
  result: GenerationResult,
  context: SubmittedRecord['context'] = { purpose: 'budget summary', caseId: 'CASE-2026-0042' },
): SubmittedRecord {
  const payload: SubmittedRecord = {
    prompt: result.prompt,
    output: result.text,
    promptTokens: result.promptTokens,
    outputTokens: result.tokens.length,
    model: result.model,
    decoding: result.decoding,
    steering: result.steering,
    chunks: result.chunks,
    context,
  };
  return JSON.parse(JSON.stringify(payload)) as SubmittedRecord;
}
