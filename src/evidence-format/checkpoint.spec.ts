import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  type KeyObject,
} from 'node:crypto';
import {
  CheckpointFormatError,
  checkpointBody,
  noteKeyHash,
  parseCheckpoint,
  parseNote,
  signNote,
  verifyCheckpoint,
  verifyEd25519,
} from 'src/evidence-format/checkpoint';
import { leafHash, rootOf } from 'src/evidence-format/merkle';

interface TestKey {
  privateKey: KeyObject;
  raw: Buffer;
}

function newKey(): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, raw: rawOf(publicKey) };
}

function rawOf(publicKey: KeyObject): Buffer {
  // The SPKI DER of an Ed25519 key is a 12-byte prefix and the 32 key bytes.
  return publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
}

function signer(key: TestKey): (message: Buffer) => Buffer {
  return (message) => sign(null, message, key.privateKey);
}

const ORIGIN = 'audit.local/8d5b6f6e-3f0e-4c55-9b1e-2a4f0c1d7e90';
const root = rootOf(Array.from({ length: 37 }, (_, i) => leafHash(Buffer.from(`leaf ${i}`))));
const logKey = newKey();

function signedCheckpoint(body = checkpointBody(ORIGIN, 37, root), key = logKey, name = ORIGIN) {
  return signNote(body, name, signer(key), key.raw);
}

function verifyWithLogKey(note: string | Uint8Array) {
  return verifyCheckpoint(note, [{ name: ORIGIN, rawPublicKey: logKey.raw }]);
}

describe('checkpointBody', () => {
  it('writes origin, decimal size and base64 root, each on its own line', () => {
    expect(checkpointBody('example.com/log', 20852163, Buffer.alloc(32, 1))).toBe(
      `example.com/log\n20852163\n${Buffer.alloc(32, 1).toString('base64')}\n`,
    );
    expect(checkpointBody('o', 0, Buffer.alloc(32))).toBe(`o\n0\n${'A'.repeat(43)}=\n`);
  });

  it.each([
    ['an empty origin', '', 1, 32],
    ['an origin with a space', 'a b', 1, 32],
    ['an origin with a plus', 'a+b', 1, 32],
    ['an origin with a newline', 'a\nb', 1, 32],
    ['a negative size', 'o', -1, 32],
    ['a fractional size', 'o', 1.5, 32],
    ['an unsafe size', 'o', 2 ** 53, 32],
    ['a short root', 'o', 1, 31],
  ])('refuses %s', (_, origin, size, rootLength) => {
    expect(() => checkpointBody(origin, size, Buffer.alloc(rootLength))).toThrow(
      CheckpointFormatError,
    );
  });
});

describe('noteKeyHash and signNote', () => {
  // The known-answer vector of Go's golang.org/x/mod/sumdb/note (note_test.go), the reference
  // implementation of signed-note: key "PeterNeumann", ID c74f20a3. The private key string is
  // "PRIVATE+KEY+PeterNeumann+c74f20a3+" followed by base64(0x01 ‖ seed).
  const seed = Buffer.from('AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz', 'base64').subarray(1);
  const privateKey = createPrivateKey({
    key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const peter: TestKey = { privateKey, raw: rawOf(createPublicKey(privateKey)) };
  const text =
    "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
  const expected =
    `${text}\n` +
    '\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';

  it('matches the key ID and the signed note of the Go reference implementation', () => {
    expect(Buffer.concat([Buffer.from([1]), peter.raw]).toString('base64')).toBe(
      'ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW',
    );
    expect(noteKeyHash('PeterNeumann', peter.raw).toString('hex')).toBe('c74f20a3');
    expect(signNote(text, 'PeterNeumann', signer(peter), peter.raw)).toBe(expected);
  });

  it('parses the reference note back into its text and signature', () => {
    const { body, signatures } = parseNote(expected);
    expect(body).toBe(text);
    expect(signatures).toHaveLength(1);
    expect(signatures[0].name).toBe('PeterNeumann');
    expect(signatures[0].keyHash.toString('hex')).toBe('c74f20a3');
    expect(verifyEd25519(Buffer.from(text), signatures[0].signature, peter.raw)).toBe(true);
  });

  it('refuses to sign what a reader would reject', () => {
    const sig = signer(logKey);
    expect(() => signNote('no newline', ORIGIN, sig, logKey.raw)).toThrow(/end in a newline/);
    expect(() => signNote('a\n\nb\n', ORIGIN, sig, logKey.raw)).toThrow(/empty line/);
    expect(() => signNote('a\r\nb\n', ORIGIN, sig, logKey.raw)).toThrow(/CRLF/);
    expect(() => signNote('a\n', 'has space', sig, logKey.raw)).toThrow(/key name/);
    expect(() => signNote('a\n', ORIGIN, () => Buffer.alloc(63), logKey.raw)).toThrow(/64 bytes/);
    expect(() => noteKeyHash(ORIGIN, Buffer.alloc(31))).toThrow(/32 bytes/);
  });
});

describe('parseCheckpoint', () => {
  it('reads the example of the tlog-checkpoint spec', () => {
    const checkpoint = parseCheckpoint(
      'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n' +
        '\u2014 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n',
    );
    expect(checkpoint.origin).toBe('example.com/behind-the-sofa');
    expect(checkpoint.size).toBe(20852163);
    expect(checkpoint.root.toString('base64')).toBe('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=');
    expect(checkpoint.extensions).toEqual([]);
    expect(checkpoint.signatures[0].keyHash.toString('hex')).toBe('033de0ae');
    expect(checkpoint.signatures[0].signature).toHaveLength(64);
  });

  it('reads our own checkpoint, from text or bytes', () => {
    const note = signedCheckpoint();
    for (const input of [note, Buffer.from(note, 'utf8')]) {
      const checkpoint = parseCheckpoint(input);
      expect(checkpoint).toMatchObject({ origin: ORIGIN, size: 37, extensions: [] });
      expect(checkpoint.root.equals(root)).toBe(true);
      expect(checkpoint.body).toBe(checkpointBody(ORIGIN, 37, root));
    }
  });

  it('keeps extension lines and sizes up to 2^53 - 1', () => {
    const body = `${checkpointBody(ORIGIN, Number.MAX_SAFE_INTEGER, root)}ext one\n— ext two\n`;
    const note = signedCheckpoint(body);
    expect(parseCheckpoint(note).extensions).toEqual(['ext one', '— ext two']);
    expect(parseCheckpoint(note).size).toBe(Number.MAX_SAFE_INTEGER);
    expect(verifyWithLogKey(note).ok).toBe(true);
  });

  const good = signedCheckpoint();
  const [originLine, , rootLine] = good.split('\n');
  const signatureLine = good.split('\n')[4];
  const withBody = (body: string) => `${body}\n${signatureLine}\n`;

  it.each([
    ['a size with a leading zero', withBody(`${originLine}\n037\n${rootLine}\n`), /leading zeros/],
    ['a size of 00', withBody(`${originLine}\n00\n${rootLine}\n`), /leading zeros/],
    ['a signed size', withBody(`${originLine}\n+37\n${rootLine}\n`), /decimal/],
    ['a hexadecimal size', withBody(`${originLine}\n0x25\n${rootLine}\n`), /decimal/],
    ['an exponent size', withBody(`${originLine}\n3.7e1\n${rootLine}\n`), /decimal/],
    ['a size with a space', withBody(`${originLine}\n 37\n${rootLine}\n`), /decimal/],
    ['an empty size', withBody(`${originLine}\n\n${rootLine}\n`), /lines|decimal/],
    ['a size of 2^53', withBody(`${originLine}\n9007199254740992\n${rootLine}\n`), /2\^53/],
    ['an empty origin', withBody(`\n37\n${rootLine}\n`), /origin|empty/],
    ['a root of 31 bytes', withBody(`${originLine}\n37\n${b64(31)}\n`), /31 bytes/],
    ['a root of 33 bytes', withBody(`${originLine}\n37\n${b64(33)}\n`), /33 bytes/],
    ['an unpadded root', withBody(`${originLine}\n37\n${rootLine.slice(0, -1)}\n`), /base64/],
    ['a base64url root', withBody(`${originLine}\n37\n${urlRoot()}\n`), /base64/],
    [
      'a root with spare bits set',
      withBody(`${originLine}\n37\n${spareBits(rootLine)}\n`),
      /canonical/,
    ],
    ['two lines only', withBody(`${originLine}\n37\n`), /at least 3 lines/],
    [
      'an empty extension line',
      `${originLine}\n37\n${rootLine}\n\next\n\n${signatureLine}\n`,
      /empty/,
    ],
    ['no blank line', `${originLine}\n37\n${rootLine}\n${signatureLine}\n`, /blank line/],
    ['no signature', `${originLine}\n37\n${rootLine}\n\n`, /no signature lines/],
    ['no final newline', good.slice(0, -1), /newline/],
    ['trailing garbage', `${good}x`, /newline/],
    ['a trailing line', `${good}garbage\n`, /em dash/],
    ['a trailing blank line', `${good}\n`, /an extra newline after its signature lines.*jq -j/],
    ['CRLF line endings', good.replace(/\n/g, '\r\n'), /CRLF/],
    ['a tab', good.replace(' ', '\t'), /control character U\+0009/],
    ['an ASCII dash', good.replace('\u2014', '-'), /em dash/],
    ['an en dash', good.replace('\u2014', '\u2013'), /em dash/],
    ['two spaces after the dash', good.replace('\u2014 ', '\u2014  '), /key name/],
    ['no key name', good.replace(`\u2014 ${ORIGIN} `, '\u2014 '), /key name|base64/],
    ['a key name with a plus', good.replace(`\u2014 ${ORIGIN}`, '\u2014 a+b'), /key name/],
    [
      'a key name with a no-break space',
      good.replace(`\u2014 ${ORIGIN}`, '\u2014 a\u00a0b'),
      /key name/,
    ],
    ['a signature of 4 bytes', withSig(b64(4)), /4 bytes/],
    ['a signature with a trailing space', `${good.slice(0, -1)} \n`, /base64/],
    ['an unpadded signature', withSig(signatureLine.split(' ')[2].slice(0, -1)), /base64/],
    ['a lone surrogate', good.replace('audit', 'a\ud800udit'), /surrogate/],
  ])('rejects %s', (_, note, message) => {
    expect(() => parseCheckpoint(note)).toThrow(CheckpointFormatError);
    expect(() => parseCheckpoint(note)).toThrow(message);
    expect(verifyWithLogKey(note)).toMatchObject({ ok: false, checkpoint: null });
  });

  it('rejects bytes that are not UTF-8', () => {
    const bytes = Buffer.from(good, 'utf8');
    bytes[3] = 0xff;
    expect(() => parseCheckpoint(bytes)).toThrow(/UTF-8/);
    // The em dash without its last byte.
    const cut = Buffer.from(good.replace('\u2014', '\u2014\u2014'), 'utf8');
    const at = cut.indexOf(Buffer.from('\u2014\u2014', 'utf8'));
    expect(() =>
      parseCheckpoint(Buffer.concat([cut.subarray(0, at + 2), cut.subarray(at + 3)])),
    ).toThrow(/UTF-8/);
  });

  it('rejects more than 100 signature lines', () => {
    const line = `\u2014 other ${b64(68)}`;
    expect(() => parseCheckpoint(`${good}${`${line}\n`.repeat(100)}`)).toThrow(/100/);
  });

  function b64(length: number): string {
    return Buffer.alloc(length, 7).toString('base64');
  }

  function urlRoot(): string {
    const bytes = Buffer.alloc(32, 0xfb); // encodes with '+' and '/' in standard base64
    return bytes.toString('base64url') + '=';
  }

  /** The same bytes with the unused low bits of the last character set: non-canonical. */
  function spareBits(text: string): string {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const last = text.length - 2; // 32 bytes end in one '=' and 2 spare bits before it
    const value = alphabet.indexOf(text[last]) | 0b11;
    return text.slice(0, last) + alphabet[value] + text.slice(last + 1);
  }

  function withSig(blob: string): string {
    return `${good.split('\n').slice(0, 4).join('\n')}\n\u2014 ${ORIGIN} ${blob}\n`;
  }
});

describe('verifyCheckpoint', () => {
  const witness = newKey();

  it('accepts a checkpoint signed by the log key and says which signature verified', () => {
    const result = verifyWithLogKey(signedCheckpoint());
    expect(result.ok).toBe(true);
    expect(result.reason).toBeUndefined();
    expect(result.checkpoint?.size).toBe(37);
    expect(result.signatures.map((s) => [s.name, s.status])).toEqual([[ORIGIN, 'verified']]);
  });

  it('accepts the empty tree and the tree of one leaf', () => {
    for (const [size, hash] of [
      [0, rootOf([])],
      [1, leafHash(Buffer.from('x'))],
    ] as const) {
      const result = verifyWithLogKey(signedCheckpoint(checkpointBody(ORIGIN, size, hash)));
      expect(result.ok).toBe(true);
      expect(result.checkpoint?.size).toBe(size);
    }
  });

  it('ignores signatures of unknown keys but needs one known key', () => {
    const body = checkpointBody(ORIGIN, 37, root);
    const cosigned = `${signedCheckpoint(body)}${signedCheckpoint(body, witness, 'witness.example/w1').split('\n')[4]}\n`;
    const result = verifyWithLogKey(cosigned);
    expect(result.ok).toBe(true);
    expect(result.signatures.map((s) => s.status)).toEqual(['verified', 'unknown-key']);

    const onlyWitness = verifyWithLogKey(signedCheckpoint(body, witness, 'witness.example/w1'));
    expect(onlyWitness.ok).toBe(false);
    expect(onlyWitness.reason).toMatch(/no signature by a known key/);
  });

  it('treats the same name with another key ID as an unknown key', () => {
    const result = verifyWithLogKey(signedCheckpoint(undefined, witness, ORIGIN));
    expect(result.ok).toBe(false);
    expect(result.signatures[0].status).toBe('unknown-key');
  });

  it('rejects the whole note when a known key signature fails, even beside a good one', () => {
    const body = checkpointBody(ORIGIN, 37, root);
    const other = checkpointBody(ORIGIN, 38, root);
    // A signature by the log key over another body, copied under this one.
    const stolen = signedCheckpoint(other).split('\n')[4];
    const result = verifyWithLogKey(`${signedCheckpoint(body)}${stolen}\n`);
    expect(result.ok).toBe(false);
    expect(result.reason).toMatch(/does not verify/);
    expect(result.signatures.map((s) => s.status)).toEqual(['verified', 'invalid']);
  });

  it('rejects a signature by a known key that is not Ed25519-sized', () => {
    const blob = Buffer.concat([noteKeyHash(ORIGIN, logKey.raw), Buffer.alloc(65)]);
    const note = `${checkpointBody(ORIGIN, 37, root)}\n\u2014 ${ORIGIN} ${blob.toString('base64')}\n`;
    expect(verifyWithLogKey(note)).toMatchObject({ ok: false });
  });

  it('fails every single-byte change of a valid note, at every byte', () => {
    const note = Buffer.from(
      signedCheckpoint(`${checkpointBody(ORIGIN, 37, root)}extension\n`),
      'utf8',
    );
    expect(verifyWithLogKey(note).ok).toBe(true);
    const accepted: string[] = [];
    for (let i = 0; i < note.length; i++) {
      for (let value = 0; value < 256; value++) {
        if (value === note[i]) continue;
        const mutated = Buffer.from(note);
        mutated[i] = value;
        if (verifyWithLogKey(mutated).ok) accepted.push(`byte ${i} = 0x${value.toString(16)}`);
      }
    }
    expect(accepted).toEqual([]);
  }, 60_000);

  it('never throws, whatever it is given', () => {
    expect(verifyCheckpoint('', [])).toMatchObject({ ok: false });
    expect(
      verifyCheckpoint(signedCheckpoint(), [{ name: ORIGIN, rawPublicKey: Buffer.alloc(3) }]),
    ).toMatchObject({ ok: false });
  });
});
