import { canonicalBytes } from 'src/evidence-format/canonical-json';
import { verifyEd25519 } from 'src/evidence-format/checkpoint';
import {
  MAX_PACKAGE_BYTES,
  PACKAGE_FILES,
  PACKAGE_FORMAT,
  PACKAGE_FORMAT_VERSION,
  comparePaths,
  sha256SumsText,
  type PackageManifest,
} from 'src/evidence-format/evidence-package';
import { EvidencePackageError } from 'src/reports/evidence-package/evidence-package.errors';
import {
  checkFileList,
  checkManifestFields,
  hashFiles,
  hashSource,
  readSource,
  type HashedFile,
  type PackageFileSource,
  type PackageManifestFields,
} from 'src/reports/evidence-package/package-files';
import {
  defaultReadmeTemplatePath,
  readTemplate,
  readmeValues,
  renderReadme,
} from 'src/reports/evidence-package/package-readme';
import { writeZip, type ZipSource } from 'src/reports/evidence-package/package-zip';

export type { PackageFileSource, PackageManifestFields };

/**
 * Signs manifest.json with the service's current key. The manifest names its signer, so the key
 * id must be known before signing: `keyId` is read first, and `sign` must sign with that key (a
 * rotation in between makes the build fail with `signer_key_changed`, and a retry picks it up).
 */
export interface PackageSigner {
  keyId: string;
  sign: (bytes: Buffer) => Promise<{ keyId: string; signature: Buffer }>;
}

export interface EvidencePackageInput {
  manifest: PackageManifestFields;
  signer: PackageSigner;
  /** Every file but manifest.json, manifest.sig, README.md and SHA256SUMS (the builder's). */
  files: PackageFileSource[];
  /** The README template; by default templates/evidence-package/README.md. */
  readmeTemplatePath?: string;
}

export interface EvidencePackageResult {
  /** Lowercase hex SHA-256 of the ZIP's bytes. */
  sha256: string;
  bytes: number;
  manifest: PackageManifest;
}

/**
 * Writes an evidence package (src/evidence-format/evidence-package.ts) to `outPath`: README.md
 * from its template, SHA256SUMS, manifest.json listing every file's SHA-256, manifest.sig, and
 * the reproducible ZIP of them all. Files on disk are streamed, never loaded. The signature is
 * checked against keys/jwks.json before anything is written, so the service never hands out a
 * package whose first check fails.
 */
export async function writeEvidencePackage(
  input: EvidencePackageInput,
  outPath: string,
): Promise<EvidencePackageResult> {
  const { manifest: fields, signer } = input;
  checkManifestFields(fields);
  checkFileList(input.files, fields);
  const template = readTemplate(input.readmeTemplatePath ?? defaultReadmeTemplatePath());
  const readme = renderReadme(template, readmeValues(fields, signer.keyId));
  const hashed = await hashFiles([...input.files, { path: PACKAGE_FILES.readme, source: readme }]);
  const sums = Buffer.from(sha256SumsText(hashed), 'utf8');
  const files = [
    ...hashed,
    { path: PACKAGE_FILES.sums, source: sums, ...(await hashSource(sums)) },
  ].sort((a, b) => comparePaths(a.path, b.path));
  const total = files.reduce((sum, file) => sum + file.bytes, 0);
  if (total > MAX_PACKAGE_BYTES) {
    const why = `its files hold ${total} bytes, over the format's limit of ${MAX_PACKAGE_BYTES}`;
    throw new EvidencePackageError('package_too_large', why);
  }

  const { previousCheckpoint, ...rest } = fields;
  const manifest: PackageManifest = {
    format: PACKAGE_FORMAT,
    formatVersion: PACKAGE_FORMAT_VERSION,
    ...rest,
    // An optional member set to undefined has no JSON form: leave it out.
    ...(previousCheckpoint === undefined ? {} : { previousCheckpoint }),
    signingKeyId: signer.keyId,
    files: files.map(({ path, sha256, bytes }) => ({ path, sha256, bytes })),
  };
  const manifestBytes = canonicalBytes(manifest);
  const signature = await signManifest(signer, manifestBytes, files);

  const time = new Date(fields.generatedAt);
  const written = await writeZip(zipOrder(manifestBytes, signature, files), time, outPath);
  return { ...written, manifest };
}

async function signManifest(
  signer: PackageSigner,
  manifestBytes: Buffer,
  files: readonly HashedFile[],
): Promise<Buffer> {
  const { keyId, signature } = await signer.sign(manifestBytes);
  if (keyId !== signer.keyId) {
    const why = `the manifest names key ${signer.keyId} but ${keyId} signed it (a key rotation?)`;
    throw new EvidencePackageError('signer_key_changed', why);
  }
  const raw = await publicKeyOf(
    keyId,
    files.find((f) => f.path === PACKAGE_FILES.jwks)!,
  );
  if (signature.length !== 64 || !verifyEd25519(manifestBytes, signature, raw)) {
    const why = `the signature does not verify under key ${keyId} of ${PACKAGE_FILES.jwks}`;
    throw new EvidencePackageError('signature_invalid', why);
  }
  return signature;
}

/** The raw Ed25519 key `kid` of the package's keys/jwks.json (a small file: read whole). */
async function publicKeyOf(kid: string, jwks: PackageFileSource): Promise<Buffer> {
  const bytes = await readSource(jwks.source);
  let keys: unknown;
  try {
    keys = (JSON.parse(bytes.toString('utf8')) as { keys?: unknown }).keys;
  } catch {
    keys = undefined;
  }
  const key = Array.isArray(keys)
    ? (keys as { kid?: unknown; x?: unknown }[]).find((k) => k?.kid === kid)
    : undefined;
  if (typeof key?.x !== 'string') {
    const why = `${PACKAGE_FILES.jwks} has no key ${kid}, so no auditor could verify manifest.sig`;
    throw new EvidencePackageError('signature_invalid', why);
  }
  return Buffer.from(key.x, 'base64url');
}

/** manifest.json, manifest.sig, README.md, then every other file by path (the format's order). */
function zipOrder(manifest: Buffer, signature: Buffer, files: readonly HashedFile[]): ZipSource[] {
  const buffer = (path: string, source: Buffer) => ({
    path,
    source,
    sha256: '',
    bytes: source.length,
  });
  const readme = files.find((f) => f.path === PACKAGE_FILES.readme)!;
  return [
    buffer(PACKAGE_FILES.manifest, manifest),
    buffer(PACKAGE_FILES.signature, signature),
    readme,
    ...files.filter((f) => f !== readme),
  ];
}
