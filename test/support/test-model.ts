import { join } from 'node:path';

/**
 * The model package the runtime tests use: the shipped one in model-store/ (the real model the
 * service runs), or another package named by TEST_MODEL_DIR (`<store>/<name>/<version>`).
 */
export const SHIPPED_MODEL = { name: 'audit-lm-full', version: '2.3.0' };

export function testModel(): { store: string; name: string; version: string; dir: string } {
  const override = process.env.TEST_MODEL_DIR;
  if (override) {
    const parts = override.replace(/\/+$/, '').split('/');
    const version = parts.pop() ?? '';
    const name = parts.pop() ?? '';
    const store = parts.join('/') || '.';
    return { store, name, version, dir: override };
  }
  const store = join(__dirname, '..', '..', 'model-store');
  return { store, ...SHIPPED_MODEL, dir: join(store, SHIPPED_MODEL.name, SHIPPED_MODEL.version) };
}
