/**
 * The regulatory mapping page of the period audit report: for each obligation, what it asks, what
 * the service provides and what stays with the deployer. Its prose lives in
 * templates/period-audit/regulatory-mapping.json, so it can be reviewed (and worded) without a
 * code change; this loader refuses a file that is malformed, misses or adds an obligation,
 * disagrees with the code's labels, or claims that an obligation is met.
 */
import { readFileSync } from 'node:fs';
import { templatePath } from 'src/reports/project-root';
import { OBLIGATION_IDS, ObligationId } from './explanation.types';
import { OBLIGATION_LABELS } from './obligations';

export interface RegulatoryMappingEntry {
  id: ObligationId;
  label: string;
  /** The legal text, e.g. "Regulation (EU) 2024/1689, Article 12(1) and (2)". */
  citation: string;
  /** What the obligation asks, in one sentence. */
  asks: string;
  /** What the service provides toward it. */
  provides: string;
  /** What remains the deployer's (or provider's) to do. */
  deployerResponsibility: string;
}

export interface RegulatoryMapping {
  title: string;
  intro: string;
  entries: RegulatoryMappingEntry[];
}

/** The template's path in the project (found from this file, whatever the working directory). */
export const REGULATORY_MAPPING_FILE = templatePath('period-audit', 'regulatory-mapping.json');

const ENTRY_FIELDS = ['id', 'label', 'citation', 'asks', 'provides', 'deployerResponsibility'];
const TOP_FIELDS = ['title', 'intro', 'entries'];

/**
 * The service supports and provides evidence; it never states that an organisation complies.
 * A template sentence saying so would be printed in every period report.
 */
const COMPLIANCE_CLAIM = /\bcompl(?:y|ies|ied|iant)\b/i;

export class RegulatoryMappingError extends Error {
  override name = 'RegulatoryMappingError';
}

/** Reads and validates the template; throws RegulatoryMappingError naming every problem. */
export function loadRegulatoryMapping(file: string = REGULATORY_MAPPING_FILE): RegulatoryMapping {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new RegulatoryMappingError(`${file}: cannot read JSON (${(e as Error).message})`);
  }
  return parseRegulatoryMapping(json, file);
}

/** Validates parsed template JSON; `source` names it in the error. */
export function parseRegulatoryMapping(json: unknown, source: string): RegulatoryMapping {
  const problems: string[] = [];
  if (!isObject(json)) throw new RegulatoryMappingError(`${source}: must be a JSON object`);
  checkFields(json, TOP_FIELDS, '', problems);
  const entries = Array.isArray(json.entries) ? (json.entries as unknown[]) : [];
  if (!Array.isArray(json.entries)) problems.push('entries: must be an array');
  const seen = new Set<string>();
  entries.forEach((entry, i) => {
    if (!isObject(entry)) {
      problems.push(`entries[${i}]: must be an object`);
      return;
    }
    checkFields(entry, ENTRY_FIELDS, `entries[${i}].`, problems);
    const id = entry.id as string;
    if (typeof id !== 'string') return;
    if (!(OBLIGATION_IDS as readonly string[]).includes(id)) {
      problems.push(`entries[${i}].id: unknown obligation "${id}"`);
    } else if (entry.label !== OBLIGATION_LABELS[id as ObligationId]) {
      problems.push(`entries[${i}].label: must be "${OBLIGATION_LABELS[id as ObligationId]}"`);
    }
    if (seen.has(id)) problems.push(`entries[${i}].id: "${id}" appears twice`);
    seen.add(id);
  });
  for (const id of OBLIGATION_IDS) {
    if (!seen.has(id)) problems.push(`entries: no entry for "${id}"`);
  }
  if (problems.length > 0) {
    throw new RegulatoryMappingError(`${source} is malformed:\n- ${problems.join('\n- ')}`);
  }
  return json as unknown as RegulatoryMapping;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function checkFields(
  value: Record<string, unknown>,
  fields: string[],
  at: string,
  problems: string[],
): void {
  for (const key of Object.keys(value)) {
    if (!fields.includes(key)) problems.push(`${at}${key}: unknown field`);
  }
  for (const field of fields) {
    if (field === 'entries') continue;
    const text = value[field];
    if (typeof text !== 'string' || text.trim() === '') {
      problems.push(`${at}${field}: must be a non-empty string`);
    } else if (COMPLIANCE_CLAIM.test(text)) {
      problems.push(
        `${at}${field}: must not claim compliance ("${COMPLIANCE_CLAIM.exec(text)?.[0]}")`,
      );
    }
  }
}
