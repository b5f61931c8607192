import { Injectable } from '@nestjs/common';
import { commitment, RecordBody } from 'src/evidence-format/record-body';
import { LogService, microseconds } from 'src/log/log.service';
import { CommittedEntry, LogAuditor } from 'src/log/log.types';
import { conceptDetections, conceptShares } from 'src/records/record-draft';
import { openText } from 'src/records/record-text-cipher';
import { RecordTextKeys } from 'src/records/record-text-keys';
import { RecordsRepository, StoredRecord } from 'src/records/records.repository';

/** Record entries (and their rows) read per round. */
const PAGE = 2_000;

/**
 * Records' part of whole-log verification (the log verifies every leaf, signature and checkpoint
 * itself): every record entry must have its records row, and every row must say what its signed
 * body says — the searchable columns, the concept shares, and the sealed text against the body's
 * salted commitments (or, when its key is gone, an erasure entry that says why).
 */
@Injectable()
export class RecordsAuditor implements LogAuditor {
  readonly name = 'records';

  constructor(
    private readonly log: LogService,
    private readonly records: RecordsRepository,
    private readonly textKeys: RecordTextKeys,
  ) {}

  async audit(
    tenantId: string,
    maxProblems: number,
  ): Promise<{ checked: number; problems: string[] }> {
    const problems: string[] = [];
    let checked = 0;
    for (let after = -1; problems.length < maxProblems;) {
      const entries = await this.log.entriesOfKind(tenantId, 'record', after, PAGE);
      if (entries.length === 0) break;
      const rows = await this.records.findStoredByIds(
        tenantId,
        entries.map((e) => e.id),
      );
      const byId = new Map(rows.map((r) => [r.id, r]));
      for (const entry of entries) {
        const stored = byId.get(entry.id);
        const problem = stored
          ? await this.recordProblem(tenantId, stored, entry)
          : `record ${entry.id} (index ${entry.logIndex}): its records row is missing`;
        if (problem) problems.push(problem);
      }
      checked += rows.length;
      after = entries[entries.length - 1].logIndex;
    }
    return { checked, problems: problems.slice(0, maxProblems) };
  }

  private async recordProblem(
    tenantId: string,
    stored: StoredRecord,
    entry: CommittedEntry,
  ): Promise<string | null> {
    const name = `record ${stored.id} (index ${stored.logIndex})`;
    let body: RecordBody;
    try {
      body = JSON.parse(entry.canonical) as RecordBody;
    } catch {
      return `${name}: its entry body is not JSON`;
    }
    const columns: [string, unknown, unknown][] = [
      ['log_index', stored.logIndex, body.logIndex],
      ['created_at', stored.storedTime, microseconds(body.time)],
      ['application_id', stored.applicationId, body.application?.id],
      ['provenance', stored.provenance, body.provenance],
      ['purpose', stored.purpose, body.request?.purpose],
      ['case_id', stored.caseId, body.request?.caseId],
      ['policy_outcome', stored.policyOutcome, body.policy?.outcome],
      [
        'concept_shares',
        canonical(stored.conceptShares),
        canonical(conceptShares(body.chunks ?? [])),
      ],
      [
        'concept_detections',
        canonical(stored.conceptDetections),
        canonical(conceptDetections(body.chunks ?? [])),
      ],
    ];
    for (const [column, value, signed] of columns) {
      if (value !== signed) return `${name}: its ${column} column differs from its signed body`;
    }
    if (!stored.text) return `${name}: its sealed text is missing`;
    let dataKey: Buffer | null;
    try {
      dataKey = await this.textKeys.open(stored.id, stored.text.key);
    } catch {
      return `${name}: its wrapped text key does not open (altered, or wrapped for another record)`;
    }
    if (!dataKey) {
      const erasures = await this.log.entriesAbout(tenantId, stored.id);
      return erasures.some((e) => e.kind === 'erasure')
        ? null
        : `${name}: its text key (or the key that wraps it) is gone without an erasure entry`;
    }
    try {
      const text = openText(stored.id, { ...stored.text, dataKey });
      const prompt = commitment(Buffer.from(text.promptSalt, 'base64'), text.prompt);
      const output = commitment(Buffer.from(text.outputSalt, 'base64'), text.output);
      if (prompt !== body.prompt.commitment || output !== body.output.commitment) {
        return `${name}: its text does not match the commitments in its signed body`;
      }
    } catch {
      return `${name}: its sealed text does not open (altered ciphertext, tag, IV or key)`;
    }
    return null;
  }
}

/** Key order does not matter for a JSON object's value; jsonb reorders keys. */
function canonical(value: Record<string, number> | null): string {
  if (value === null) return 'null';
  return JSON.stringify(
    Object.keys(value)
      .sort()
      .map((k) => [k, value[k]]),
  );
}
