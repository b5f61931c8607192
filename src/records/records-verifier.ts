import { Injectable } from '@nestjs/common';
import { LogRepository } from 'src/log/log.repository';
import { LogService, microseconds } from 'src/log/log.service';
import { commitment, conceptShares, RecordBody } from 'src/records/record-body';
import { openText } from 'src/records/record-text-cipher';
import { RecordsRepository, StoredRecord } from 'src/records/records.repository';

const PAGE = 5_000;
const MAX_PROBLEMS = 100;

export interface VerificationReport {
  size: number;
  records: number;
  /** Each problem names the entry or record; empty when everything verifies. */
  problems: string[];
}

/**
 * Verifies a tenant's evidence end to end: the log (every leaf from its stored body, every
 * signature, the latest checkpoint's root) and then every record row against its signed body:
 * the searchable columns, the concept shares, and the sealed text against the body's salted
 * commitments (or, when its key is gone, an erasure entry that says why).
 */
@Injectable()
export class RecordsVerifier {
  constructor(
    private readonly log: LogService,
    private readonly entries: LogRepository,
    private readonly records: RecordsRepository,
  ) {}

  async verify(
    tenantId: string,
    onProgress?: (done: number, total: number) => void,
  ): Promise<VerificationReport> {
    const problems: string[] = [];
    const logged = await this.log.verifyLog(tenantId, onProgress);
    if (logged.problem) problems.push(logged.problem);
    for (const entry of await this.entries.recordEntriesWithoutRow(tenantId, MAX_PROBLEMS)) {
      problems.push(`record ${entry.id} (index ${entry.logIndex}): its records row is missing`);
    }
    let records = 0;
    for (let after: string | undefined; problems.length < MAX_PROBLEMS;) {
      const page = await this.records.stored(tenantId, after, PAGE);
      if (page.length === 0) break;
      for (const stored of page) {
        const problem = await this.recordProblem(tenantId, stored);
        if (problem) problems.push(problem);
      }
      records += page.length;
      after = page[page.length - 1].id;
    }
    return { size: logged.size, records, problems: problems.slice(0, MAX_PROBLEMS) };
  }

  private async recordProblem(tenantId: string, stored: StoredRecord): Promise<string | null> {
    const name = `record ${stored.id} (index ${stored.logIndex})`;
    const entry = await this.entries.entryById(tenantId, stored.id);
    if (!entry || entry.kind !== 'record') return `${name}: no record entry in the log`;
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
    ];
    for (const [column, value, signed] of columns) {
      if (value !== signed) return `${name}: its ${column} column differs from its signed body`;
    }
    if (!stored.text) return `${name}: its sealed text is missing`;
    if (!stored.text.dataKey) {
      const erasures = await this.entries.entriesAbout(tenantId, stored.id);
      return erasures.some((e) => e.kind === 'erasure')
        ? null
        : `${name}: its text key is gone without an erasure entry`;
    }
    try {
      const text = openText(stored.id, { ...stored.text, dataKey: stored.text.dataKey });
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
function canonical(value: Record<string, number>): string {
  return JSON.stringify(
    Object.keys(value)
      .sort()
      .map((k) => [k, value[k]]),
  );
}
