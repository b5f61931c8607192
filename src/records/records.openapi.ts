import { LOG_ENTRY_KINDS } from 'src/evidence-format/entry';
import { RECORD_BODY_SCHEMA, SUBMITTED_RECORD_SCHEMA } from 'src/evidence-format/record-schema';
import { openApiComponents } from 'src/common/openapi-json-schema';

/** Component names of the record body and of its policy result (referenced by responses). */
export const RECORD_BODY = 'RecordBody';
export const POLICY_RESULT = 'PolicyResult';
export const LOG_ENTRY_BODY = 'LogEntryBody';
export const SUBMITTED_RECORD = 'SubmittedRecord';

const REFERENCE = (path: string) =>
  `The JSON Schema (draft 2020-12) at GET ${path} is the reference; this copy leaves out the conditions OpenAPI 3.0 cannot state.`;

/**
 * Any entry body of the log: the stamp every body holds; the rest is the kind's (a record body,
 * or an entry about a record: a review, an erasure, a person's read).
 */
const LOG_ENTRY_BODY_SCHEMA = {
  type: 'object',
  description:
    'A log entry body: its stamp, then the members of its kind. A review, erasure or read names its record (record: id, logIndex, leafHash) and who made it (by).',
  required: ['schemaVersion', 'kind', 'id', 'tenant', 'logIndex', 'time'],
  additionalProperties: true,
  properties: {
    schemaVersion: { type: 'integer', enum: [1] },
    kind: { type: 'string', enum: [...LOG_ENTRY_KINDS] },
    id: { type: 'string', format: 'uuid' },
    tenant: { type: 'string', format: 'uuid' },
    logIndex: { type: 'integer', minimum: 0 },
    time: { type: 'string', format: 'date-time' },
  },
} as const;

/**
 * The published JSON Schemas of the record body and of a submitted record as OpenAPI components:
 * one definition each, referenced by the operations that answer with a record body or its policy
 * result and by POST /v1/records, never restated. The definitions both schemas share appear once.
 */
export function recordComponents(): ReturnType<typeof openApiComponents> {
  const components = openApiComponents(RECORD_BODY_SCHEMA, RECORD_BODY);
  const body = components[RECORD_BODY] as {
    description?: string;
    properties: Record<string, unknown>;
  };
  body.description = `${body.description} ${REFERENCE('/v1/schemas/record.json')}`;
  // The policy result is also what a generation answers with: a component of its own.
  components[POLICY_RESULT] = body.properties.policy as (typeof components)[string];
  body.properties.policy = { $ref: `#/components/schemas/${POLICY_RESULT}` };
  components[LOG_ENTRY_BODY] = LOG_ENTRY_BODY_SCHEMA as unknown as (typeof components)[string];
  const submitted = openApiComponents(SUBMITTED_RECORD_SCHEMA, SUBMITTED_RECORD, {
    name: RECORD_BODY,
    components,
  });
  const root = submitted[SUBMITTED_RECORD] as { description?: string };
  root.description = `${root.description} ${REFERENCE('/v1/schemas/submitted-record.json')}`;
  return { ...components, ...submitted };
}
