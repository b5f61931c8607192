import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

export { tf };

let ready: Promise<void> | undefined;

/** tfjs on its WebAssembly backend (tfjs-node cannot install here), once per process. */
export function tfReady(): Promise<void> {
  ready ??= tf.setBackend('wasm').then((ok) => {
    if (!ok) throw new Error('the tfjs wasm backend did not initialise');
  });
  return ready;
}

/**
 * a·b with a hand-written gradient. On tfjs-wasm, matMul with a transpose flag is 12–60× slower
 * than a plain one, and the built-in gradient uses exactly those; explicit transposes followed by
 * plain matMuls avoid them (MODEL-NOTES §4.1, trap 1).
 */
export const matMul = tf.customGrad((a, b, save) => {
  const A = a as tf.Tensor2D;
  const B = b as tf.Tensor2D;
  (save as (tensors: tf.Tensor[]) => void)([A, B]);
  return {
    value: tf.matMul(A, B),
    gradFunc: (dy, saved) => {
      const [sa, sb] = saved as tf.Tensor2D[];
      return [tf.matMul(dy, tf.transpose(sb)), tf.matMul(tf.transpose(sa), dy)];
    },
  };
}) as (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D;

/** The identity whose gradient is zero (tfjs has no stop-gradient op). */
const detach = tf.customGrad((x) => ({
  value: (x as tf.Tensor).clone(),
  gradFunc: (dy) => tf.zerosLike(dy),
}));
export const stopGradient = <T extends tf.Tensor>(x: T): T => detach(x) as T;

/**
 * A 0/1 mask of the k largest entries of each row, with no gradient (topk has none): multiplied
 * into the sigmoid weights, the kept weights still get theirs (MODEL-NOTES §4.1, trap 4). Ties at
 * the threshold are kept, which is why a mask can hold more than k ones only on exact ties.
 */
export function topkMask(x: tf.Tensor2D, k: number): tf.Tensor2D {
  const mask = tf.customGrad((input) => {
    const values = tf.topk(input as tf.Tensor2D, k).values;
    const threshold = values.slice([0, k - 1], [-1, 1]);
    return {
      value: tf.cast(tf.greaterEqual(input as tf.Tensor2D, threshold), 'float32'),
      gradFunc: (dy) => tf.zerosLike(dy),
    };
  });
  return mask(x) as tf.Tensor2D;
}
