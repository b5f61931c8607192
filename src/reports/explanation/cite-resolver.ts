/**
 * Resolves the cites of explanation sentences, so a report can refuse to print a sentence whose
 * evidence is not in the record it describes. A cite is a path:
 *
 *   chunks[2].concepts.known[0].share      a field of the record body
 *   chunks[0].trainingData.sources["a-b"]   a key that is not an identifier, as a JSON string
 *   text.prompt[120:134]                   a character span (end exclusive) of the stored text
 *   reviews[0]                             a review entry of the record
 *
 * `text` and `reviews` are not body fields: they name the text stored beside the record and the
 * review entries that reference it. Every other first segment is a body field.
 */
import { RecordBody } from 'src/evidence-format/record-body';
import { ExplanationStatement, RecordText, ReviewEntry } from './explanation.types';

/** What a cite can point into: the signed body, the stored text (null once erased), the reviews. */
export interface CiteRoot {
  body: RecordBody;
  text: RecordText | null;
  reviews: ReviewEntry[];
}

export type CiteResolution = { found: true; value: unknown } | { found: false; reason: string };

type Step =
  | { kind: 'key'; key: string }
  | { kind: 'index'; index: number }
  | { kind: 'slice'; start: number; end: number };

const IDENTIFIER = /^[A-Za-z_$][\w$]*/;
const BRACKET = /^\[(?:(\d+)|(\d+):(\d+)|("(?:[^"\\]|\\.)*"))\]/;

/** Splits a cite into steps; null when it does not follow the grammar above. */
export function parseCite(cite: string): Step[] | null {
  const first = IDENTIFIER.exec(cite);
  if (!first) return null;
  const steps: Step[] = [{ kind: 'key', key: first[0] }];
  let rest = cite.slice(first[0].length);
  while (rest.length > 0) {
    if (rest.startsWith('.')) {
      const id = IDENTIFIER.exec(rest.slice(1));
      if (!id) return null;
      steps.push({ kind: 'key', key: id[0] });
      rest = rest.slice(1 + id[0].length);
      continue;
    }
    const m = BRACKET.exec(rest);
    if (!m) return null;
    if (m[1] !== undefined) steps.push({ kind: 'index', index: Number(m[1]) });
    else if (m[2] !== undefined)
      steps.push({ kind: 'slice', start: Number(m[2]), end: Number(m[3]) });
    else steps.push({ kind: 'key', key: JSON.parse(m[4]) as string });
    rest = rest.slice(m[0].length);
  }
  return steps;
}

function step(value: unknown, s: Step): CiteResolution {
  switch (s.kind) {
    case 'key':
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        if (Object.prototype.hasOwnProperty.call(value, s.key)) {
          return { found: true, value: (value as Record<string, unknown>)[s.key] };
        }
      }
      return { found: false, reason: `no field "${s.key}"` };
    case 'index':
      if (Array.isArray(value) && s.index < value.length) {
        return { found: true, value: value[s.index] as unknown };
      }
      return { found: false, reason: `no element [${s.index}]` };
    case 'slice':
      if (typeof value === 'string' && s.start < s.end && s.end <= value.length) {
        return { found: true, value: value.slice(s.start, s.end) };
      }
      return { found: false, reason: `no span [${s.start}:${s.end}]` };
  }
}

/** The value a cite points at, or why it points at nothing. */
export function resolveCite(cite: string, root: CiteRoot): CiteResolution {
  const steps = parseCite(cite);
  if (!steps) return { found: false, reason: `"${cite}" is not a valid cite` };
  const [head, ...rest] = steps;
  const name = head.kind === 'key' ? head.key : '';
  let value: unknown;
  if (name === 'text') {
    if (root.text === null) return { found: false, reason: 'the text was erased' };
    value = root.text;
  } else if (name === 'reviews') {
    value = root.reviews;
  } else {
    const r = step(root.body, head);
    if (!r.found) return r;
    value = r.value;
  }
  for (const s of rest) {
    const r = step(value, s);
    if (!r.found) return { found: false, reason: `${cite}: ${r.reason}` };
    value = r.value;
  }
  return { found: true, value };
}

/** Every cite of a statement (sentences and principal reasons) that resolves to nothing. */
export function unresolvedCites(
  statement: ExplanationStatement,
  root: CiteRoot,
): { cite: string; reason: string }[] {
  const cites = [
    ...statement.sentences.flatMap((s) => s.cites),
    ...statement.principalReasons.flatMap((r) => r.cites),
  ];
  return [...new Set(cites)].flatMap((cite) => {
    const r = resolveCite(cite, root);
    return r.found ? [] : [{ cite, reason: r.reason }];
  });
}

/** A key step of a cite: `.key` when it is an identifier, `["key"]` otherwise. */
export function citeKey(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}
