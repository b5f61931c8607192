import { Params } from 'training/model/model';
import { tf } from 'training/model/tf';

export interface OptimizerSettings {
  learningRate: number;
  minLearningRate: number;
  warmupSteps: number;
  totalSteps: number;
  weightDecay: number;
  clipNorm: number;
  /** Matrices kept out of weight decay (the concept embeddings: decay would shrink their effects). */
  decayExempt?: readonly string[];
}

/** Linear warm-up, then cosine decay to the minimum. */
export function learningRateAt(step: number, s: OptimizerSettings): number {
  if (step < s.warmupSteps) return (s.learningRate * (step + 1)) / s.warmupSteps;
  const progress = Math.min(1, (step - s.warmupSteps) / Math.max(1, s.totalSteps - s.warmupSteps));
  return (
    s.minLearningRate +
    0.5 * (s.learningRate - s.minLearningRate) * (1 + Math.cos(Math.PI * progress))
  );
}

/**
 * AdamW with global-norm clipping. Its moments are plain named tensors, so a checkpoint can save
 * and restore them exactly (tf.train's optimizers hide theirs).
 */
export class AdamW {
  readonly m: Record<string, tf.Variable> = {};
  readonly v: Record<string, tf.Variable> = {};
  private readonly beta1 = 0.9;
  private readonly beta2 = 0.95;

  constructor(
    private readonly params: Params,
    private readonly settings: OptimizerSettings,
  ) {
    for (const [name, p] of Object.entries(params)) {
      this.m[name] = tf.variable(tf.zerosLike(p), false);
      this.v[name] = tf.variable(tf.zerosLike(p), false);
    }
  }

  /** One update; returns the gradients' global norm before clipping. */
  apply(grads: Record<string, tf.Tensor>, step: number): number {
    const lr = learningRateAt(step, this.settings);
    const norm = tf.tidy(() =>
      Math.sqrt(
        Object.values(grads).reduce((sum, g) => sum + (tf.sum(tf.square(g)).dataSync()[0] ?? 0), 0),
      ),
    );
    const scale = norm > this.settings.clipNorm ? this.settings.clipNorm / norm : 1;
    const t = step + 1;
    const c1 = 1 - this.beta1 ** t;
    const c2 = 1 - this.beta2 ** t;
    tf.tidy(() => {
      for (const [name, p] of Object.entries(this.params)) {
        const g = grads[name];
        if (!g) continue;
        const clipped = tf.mul(g, scale);
        this.m[name].assign(
          tf.add(tf.mul(this.m[name], this.beta1), tf.mul(clipped, 1 - this.beta1)),
        );
        this.v[name].assign(
          tf.add(tf.mul(this.v[name], this.beta2), tf.mul(tf.square(clipped), 1 - this.beta2)),
        );
        const update = tf.div(
          tf.div(this.m[name], c1),
          tf.add(tf.sqrt(tf.div(this.v[name], c2)), 1e-8),
        );
        // Decay matrices only: gains, biases and the tiny norm vectors stay as they are.
        const decays = p.rank === 2 && !this.settings.decayExempt?.includes(name);
        const decay = decays ? tf.mul(p, this.settings.weightDecay) : tf.zerosLike(p);
        p.assign(tf.sub(p, tf.mul(tf.add(update, decay), lr)));
      }
    });
    return norm;
  }
}
