import { canonicalTextProblem } from 'src/evidence-format/canonical-json';
import {
  PACKAGE_FORMAT,
  PACKAGE_FORMAT_VERSION,
  REPORT_KINDS,
  comparePaths,
  isPackagePath,
  type PackageManifest,
} from 'src/evidence-format/evidence-package';
import { isUuid } from 'src/evidence-format/ids';
import { isIndex, isObject } from 'src/verifier/checks';
import { decodeHash, duplicateMemberName, parseTime } from 'src/verifier/encoding';

/**
 * Reading the files of a package as JSON: strictly, because the auditor's copy of a file must
 * mean exactly what the verifier checked (no duplicate members, canonical where the format says
 * canonical), and the manifest's shape before anything relies on it.
 */

/**
 * The value and its text, or a string saying why the bytes are not (canonical) I-JSON. With
 * `members`, a canonical text's top-level members' spans are recorded in it (as
 * canonicalTextProblem records them): the slice of a member is its value's canonical text.
 */
export function parseJson(
  bytes: Buffer,
  canonical: boolean,
  members?: Map<string, readonly [number, number]>,
): { value: unknown; text: string } | string {
  let text: string;
  let value: unknown;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    value = JSON.parse(text);
  } catch (error) {
    return `not JSON: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (canonical) {
    // Decided on the text in one pass; a canonical text has no member name twice either.
    const problem = canonicalTextProblem(text, members);
    return problem === null ? { value, text } : `not in RFC 8785 canonical form: ${problem}`;
  }
  const duplicate = duplicateMemberName(text);
  if (duplicate !== null) return `the member ${JSON.stringify(duplicate)} appears twice`;
  return { value, text };
}

/**
 * The lines of a .jsonl file (each ending in "\n") as its chunks arrive, without the newline;
 * `unterminated` is set once the chunks have ended if the last bytes were not a whole line.
 * Lines are views of the chunks where they can be, decoded one at a time by parseJson (which
 * refuses a line that is not UTF-8): a package's records.jsonl can be larger than the longest
 * string V8 can make, and larger than the memory an auditor has.
 */
export class JsonLines {
  unterminated = false;

  constructor(private readonly chunks: AsyncIterable<Buffer> | Iterable<Buffer>) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    let carried: Buffer[] = [];
    for await (const chunk of this.chunks) {
      let start = 0;
      for (let end = chunk.indexOf(0x0a); end >= 0; end = chunk.indexOf(0x0a, start)) {
        const piece = chunk.subarray(start, end);
        yield carried.length === 0 ? piece : Buffer.concat([...carried, piece]);
        carried = [];
        start = end + 1;
      }
      // The chunk may be reused once the next one is asked for: keep a copy of the rest.
      if (start < chunk.length) carried.push(Buffer.from(chunk.subarray(start)));
    }
    this.unterminated = carried.length > 0;
  }
}

/** The problems with a parsed manifest's shape, empty when it is a PackageManifest. */
export function manifestProblems(value: unknown): string[] {
  if (!isObject(value)) return ['the manifest is not a JSON object'];
  const problems: string[] = [];
  const m = value;
  if (m.format !== PACKAGE_FORMAT)
    problems.push(`format is ${show(m.format)}, not ${PACKAGE_FORMAT}`);
  if (m.formatVersion !== PACKAGE_FORMAT_VERSION) {
    problems.push(`formatVersion is ${show(m.formatVersion)}, not ${PACKAGE_FORMAT_VERSION}`);
  }
  for (const name of ['packageId', 'origin', 'signingKeyId']) {
    if (typeof m[name] !== 'string' || m[name] === '') problems.push(`${name} is not a string`);
  }
  if (!isUuid(m.tenant)) problems.push(`tenant ${show(m.tenant)} is not a UUID`);
  if (parseTime(m.generatedAt, true) === null) {
    problems.push(`generatedAt ${show(m.generatedAt)} is not an RFC 3339 UTC time`);
  }
  const report = isObject(m.report) ? m.report : {};
  if (typeof report.id !== 'string') problems.push('report.id is not a string');
  if (!REPORT_KINDS.includes(report.kind as never)) problems.push('report.kind is unknown');
  if (!isIndex(report.recordCount)) problems.push('report.recordCount is not an integer ≥ 0');
  if (!isIndex(report.entryCount)) problems.push('report.entryCount is not an integer ≥ 0');
  if (!isTreeHead(m.checkpoint)) problems.push('checkpoint is not { size, rootHash }');
  if (m.previousCheckpoint !== undefined && !isTreeHead(m.previousCheckpoint)) {
    problems.push('previousCheckpoint is not { size, rootHash }');
  }
  problems.push(...fileListProblems(m.files));
  return problems;
}

function fileListProblems(files: unknown): string[] {
  if (!Array.isArray(files)) return ['files is not an array'];
  const problems: string[] = [];
  const list: unknown[] = files;
  list.forEach((file, i) => {
    if (!isObject(file) || typeof file.path !== 'string' || !isPackagePath(file.path)) {
      problems.push(`files[${i}] has no valid path`);
    } else if (typeof file.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(file.sha256)) {
      problems.push(`files[${i}] (${file.path}) has no lowercase hex sha256`);
    } else if (!isIndex(file.bytes)) {
      problems.push(`files[${i}] (${file.path}) has no size`);
    } else if (i > 0 && comparePaths((list[i - 1] as { path: string }).path, file.path) >= 0) {
      problems.push(`files[${i}] (${file.path}) is out of order or listed twice`);
    }
  });
  return problems;
}

function isTreeHead(value: unknown): value is PackageManifest['checkpoint'] {
  return isObject(value) && isIndex(value.size) && decodeHash(value.rootHash) !== null;
}

export function show(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? 'missing' : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
