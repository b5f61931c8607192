import { readFileSync } from 'node:fs';
import { ReportKind } from 'src/evidence-format/evidence-package';
import { templatePath } from 'src/reports/project-root';

/** The sections each kind's layout must word, in the order the report prints them. */
export const LAYOUT_SECTIONS = {
  'decision-evidence': ['summary', 'records', 'verification', 'method'],
  'case-file': ['summary', 'records', 'verification', 'method'],
  'period-audit': [
    'summary',
    'volume',
    'concepts',
    'sources',
    'shares',
    'oversight',
    'erasures',
    'access',
    'sample',
    'regulatory',
    'verification',
    'signoff',
  ],
} as const satisfies Record<ReportKind, readonly string[]>;

export interface LayoutSection {
  title: string;
  /** Printed first in the section; may be empty. */
  intro: string;
}

export interface ReportLayout {
  title: string;
  subject: string;
  sections: Record<string, LayoutSection>;
}

/** Same rule as the regulatory mapping: the service provides evidence, never a verdict. */
const COMPLIANCE_CLAIM = /\bcompl(?:y|ies|ied|iant)\b/i;

export class ReportLayoutError extends Error {
  override name = 'ReportLayoutError';
}

/** `templates/<kind>/layout.json`. */
export function layoutFile(kind: ReportKind): string {
  return templatePath(kind, 'layout.json');
}

/**
 * A kind's layout: the report's title and subject and each section's title and opening words,
 * kept in templates/ so they can be reviewed and reworded without a code change. Refuses a file
 * that misses or adds a section, has an empty title, or claims compliance.
 */
export function loadLayout(kind: ReportKind, file = layoutFile(kind)): ReportLayout {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ReportLayoutError(`${file}: cannot read JSON (${(error as Error).message})`);
  }
  return parseLayout(kind, json, file);
}

export function parseLayout(kind: ReportKind, json: unknown, source: string): ReportLayout {
  const problems: string[] = [];
  const text = (value: unknown, where: string, allowEmpty: boolean): string => {
    if (typeof value !== 'string' || (!allowEmpty && value.trim() === '')) {
      problems.push(`${where}: must be a ${allowEmpty ? '' : 'non-empty '}string`);
      return '';
    }
    if (COMPLIANCE_CLAIM.test(value)) problems.push(`${where}: claims compliance`);
    return value;
  };
  const obj = isObject(json) ? json : {};
  if (!isObject(json)) problems.push('must be a JSON object');
  const title = text(obj.title, 'title', false);
  const subject = text(obj.subject, 'subject', false);
  const given = isObject(obj.sections) ? obj.sections : {};
  if (!isObject(obj.sections)) problems.push('sections: must be an object');
  const expected: readonly string[] = LAYOUT_SECTIONS[kind];
  const sections: Record<string, LayoutSection> = {};
  for (const id of expected) {
    const section = given[id];
    if (!isObject(section)) {
      problems.push(`sections.${id}: missing`);
      continue;
    }
    sections[id] = {
      title: text(section.title, `sections.${id}.title`, false),
      intro: text(section.intro, `sections.${id}.intro`, true),
    };
  }
  for (const id of Object.keys(given)) {
    if (!expected.includes(id)) problems.push(`sections.${id}: not a section of a ${kind} report`);
  }
  if (problems.length > 0) throw new ReportLayoutError(`${source}: ${problems.join('; ')}`);
  return { title, subject, sections };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
