import { TestEnvironment } from 'jest-environment-node';

// A jest environment for tests that use onnxruntime-node: the native addon creates typed arrays
// in Node's own realm, and onnxruntime-common (loaded in the test sandbox) checks them with
// instanceof against the sandbox's constructors. Sharing the numeric typed-array constructors
// makes both sides agree.
const SHARED = [
  'Float32Array',
  'Float64Array',
  'Int8Array',
  'Int16Array',
  'Int32Array',
  'Uint16Array',
  'Uint32Array',
  'BigInt64Array',
  'BigUint64Array',
] as const;

export default class NativeArraysEnvironment extends TestEnvironment {
  constructor(...args: ConstructorParameters<typeof TestEnvironment>) {
    super(...args);
    const shared = this.global as unknown as Record<string, unknown>;
    for (const name of SHARED) shared[name] = globalThis[name];
  }
}
