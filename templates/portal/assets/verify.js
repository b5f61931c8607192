// Verifies the record on this page in the reader's browser, with WebCrypto only: the leaf hash
// recomputed from the signed body (RFC 8785 canonical JSON, RFC 6962 leaf), the signing key
// (in the published key set, named by its RFC 7638 thumbprint, in service at the record's time),
// the Ed25519 signature, the checkpoint's signature (C2SP signed note) and the RFC 6962
// inclusion proof against the checkpoint's root. Each check is shown as it passes or fails.

const encoder = new TextEncoder();

/** RFC 8785 canonical JSON of a value parsed from JSON. */
export function canonicalJson(value) {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value))
      throw new Error('a number is not finite');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  // Array.prototype.sort compares UTF-16 code units, which is RFC 8785's order.
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
}

const concat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
const sha256 = async (bytes) => new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
const fromBase64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
const toBase64 = (bytes) => btoa(String.fromCharCode(...bytes));
const fromBase64Url = (text) =>
  fromBase64(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4));
const toBase64Url = (bytes) =>
  toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

async function ed25519Verify(rawKey, signature, message) {
  const key = await crypto.subtle.importKey('raw', rawKey, { name: 'Ed25519' }, false, ['verify']);
  return crypto.subtle.verify({ name: 'Ed25519' }, key, signature, message);
}

/** RFC 9162 §2.1.3.2: the root an inclusion proof leads to from a leaf, or null. */
async function rootFromInclusion(index, size, leaf, path) {
  if (index >= size) return null;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  const node = async (left, right) => sha256(concat(Uint8Array.of(1), left, right));
  for (const p of path) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = await node(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = await node(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : null;
}

/** A C2SP signed note: its text, and its signature lines as { name, keyHash, signature }. */
function parseNote(note) {
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) throw new Error('not a signed note');
  const text = note.slice(0, split + 1);
  const signatures = note
    .slice(split + 2, -1)
    .split('\n')
    .map((line) => {
      const m = /^\u2014 (\S+) (\S+)$/.exec(line);
      if (!m) throw new Error(`unreadable signature line "${line}"`);
      const blob = fromBase64(m[2]);
      return { name: m[1], keyHash: blob.slice(0, 4), signature: blob.slice(4) };
    });
  const [origin, sizeText, rootText] = text.slice(0, -1).split('\n');
  if (!/^(0|[1-9]\d*)$/.test(sizeText ?? '')) throw new Error('the tree size line is not a number');
  return { text, origin, size: Number(sizeText), root: fromBase64(rootText ?? ''), signatures };
}

async function noteKeyHash(name, rawKey) {
  return (await sha256(concat(encoder.encode(`${name}\n`), Uint8Array.of(1), rawKey))).slice(0, 4);
}

async function fetchJson(url) {
  const res = await fetch(url, {
    credentials: 'same-origin',
    headers: { Accept: 'application/json' },
  });
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return res.json();
}

async function verify(entry, recordId, report) {
  const body = entry.body;
  const leaf = await sha256(concat(Uint8Array.of(0), encoder.encode(canonicalJson(body))));
  report(
    'Leaf hash',
    equal(leaf, fromBase64(entry.leafHash)),
    equal(leaf, fromBase64(entry.leafHash))
      ? 'SHA-256 of the canonical body matches the signed leaf hash'
      : `the body hashes to ${toBase64(leaf)}, not the signed ${entry.leafHash}: the record was changed after it was signed`,
  );

  const jwks = await fetchJson('/.well-known/jwks.json');
  const jwk = (jwks.keys ?? []).find((k) => k.kid === entry.keyId);
  const thumbprint = jwk
    ? toBase64Url(
        await sha256(encoder.encode(JSON.stringify({ crv: 'Ed25519', kty: 'OKP', x: jwk.x }))),
      )
    : null;
  const keyOk = Boolean(jwk) && thumbprint === entry.keyId;
  report(
    'Signing key',
    keyOk,
    keyOk
      ? `key ${entry.keyId} is published and named by its thumbprint`
      : `key ${entry.keyId} is not in the published key set, or not named by its thumbprint`,
  );
  if (jwk) {
    const at = Date.parse(body.time);
    const inWindow =
      at >= Date.parse(jwk.validFrom) &&
      (jwk.validUntil === undefined || at < Date.parse(jwk.validUntil));
    report(
      'Key in service',
      inWindow,
      `record time ${body.time}; key valid from ${jwk.validFrom}${jwk.validUntil ? ` until ${jwk.validUntil}` : ''}`,
    );
    const sigOk = await ed25519Verify(
      fromBase64Url(jwk.x),
      fromBase64(entry.signature),
      leaf,
    ).catch(() => false);
    report(
      'Signature',
      sigOk,
      sigOk
        ? 'Ed25519 signature over the recomputed leaf hash verifies'
        : 'the Ed25519 signature does not verify over the leaf hash of this body',
    );
  }

  const proof = await fetchJson(`/v1/log/entries/${recordId}/inclusion-proof`);
  const note = parseNote(proof.checkpoint);
  let noteOk = false;
  for (const sig of note.signatures.filter((s) => s.name === note.origin)) {
    for (const k of jwks.keys ?? []) {
      const raw = fromBase64Url(k.x);
      if (
        equal(await noteKeyHash(note.origin, raw), sig.keyHash) &&
        (await ed25519Verify(raw, sig.signature, encoder.encode(note.text)).catch(() => false))
      )
        noteOk = true;
    }
  }
  report(
    'Checkpoint signature',
    noteOk,
    noteOk
      ? `checkpoint of ${note.origin} at size ${note.size} is signed by a published key`
      : 'the checkpoint carries no valid signature by a published key',
  );
  const root = await rootFromInclusion(
    body.logIndex,
    note.size,
    leaf,
    proof.hashes.map(fromBase64),
  );
  const included = root !== null && equal(root, note.root) && proof.logIndex === body.logIndex;
  report(
    'Inclusion in the log',
    included,
    included
      ? `entry ${body.logIndex} is in the tree of size ${note.size} whose root the checkpoint signs`
      : `the proof from this body's leaf does not lead to the checkpoint's root ${toBase64(note.root)}`,
  );
}

function start() {
  const source = document.getElementById('signed-entry');
  const list = document.querySelector('[data-verify-checks]');
  const status = document.querySelector('[data-verify-status]');
  const panel = document.getElementById('verification');
  if (!source || !list || !status || !panel) return;
  const results = [];
  const report = (name, ok, detail) => {
    results.push(ok);
    const li = document.createElement('li');
    li.className = ok ? 'pass' : 'fail';
    li.dataset.check = name;
    const mark = document.createElement('span');
    mark.className = 'mark';
    mark.textContent = ok ? '✓ passed' : '✗ failed';
    const title = document.createElement('strong');
    title.textContent = ` ${name}: `;
    li.append(mark, title, document.createTextNode(detail));
    list.append(li);
  };
  status.textContent = 'Verifying in your browser…';
  panel.dataset.verify = 'running';
  verify(JSON.parse(source.textContent), source.dataset.recordId, report)
    .catch((error) => report('Verification', false, `could not complete: ${error.message}`))
    .then(() => {
      const failed = results.filter((ok) => !ok).length;
      panel.dataset.verify = failed === 0 ? 'passed' : 'failed';
      status.textContent =
        failed === 0
          ? `All ${results.length} checks passed in your browser: this record is the one the service signed, and it is in the signed log.`
          : `${failed} of ${results.length} checks failed in your browser: do not rely on this record; report it to the service's operator.`;
      status.className = failed === 0 ? 'verdict pass' : 'verdict fail';
    });
}

start();
