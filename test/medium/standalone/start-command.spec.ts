import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from 'src/reports/project-root';

// npm start and the Docker image start the API with the same node flags (the heap's young
// generation among them, which bench:records measured), and the benchmarks that host the API
// in process run with them too, so what is measured is what is deployed.

const root = projectRoot();
const scripts = (
  JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  }
).scripts;

/** The node flags of a command line, in order: everything between `node` and the script. */
function nodeFlags(command: string[]): string[] {
  const node = command.indexOf('node');
  const script = command.findIndex((arg, i) => i > node && /\.(js|ts)$/.test(arg));
  return command.slice(node + 1, script).filter((arg) => arg.startsWith('--'));
}

const words = (script: string) => script.split('&&').pop()!.trim().split(/\s+/);

describe('the API start command', () => {
  const npmStart = nodeFlags(words(scripts.start));

  it('sets the young generation size', () => {
    expect(npmStart).toContain('--max-semi-space-size=64');
  });

  it('is the same in npm start, npm run dev and the Docker image', () => {
    const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(join(root, 'Dockerfile'), 'utf8'));
    expect(cmd).not.toBeNull();
    expect(nodeFlags(JSON.parse(cmd![1]) as string[])).toEqual(npmStart);
    expect(nodeFlags(words(scripts.dev))).toEqual(npmStart);
  });

  it.each(['bench:records', 'bench:portal'])('%s hosts the API with its heap flags', (name) => {
    const heap = npmStart.filter((flag) => flag.startsWith('--max-'));
    expect(nodeFlags(words(scripts[name])).filter((flag) => flag.startsWith('--max-'))).toEqual(
      heap,
    );
  });
});

// bench:reports runs its worker child with npm run start:worker's flags (read from package.json);
// docker-compose.yml's worker service must start with the same ones.
describe('the worker start command', () => {
  it('is the same in npm run start:worker and docker-compose.yml', () => {
    const compose = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
    const worker = /^ {2}worker:\n(?: {4}.*\n)*? {4}command: (\[.*\])$/m.exec(compose);
    expect(worker).not.toBeNull();
    const startWorker = nodeFlags(words(scripts['start:worker']));
    expect(startWorker).toContain('--max-old-space-size=512');
    expect(nodeFlags(JSON.parse(worker![1].replace(/'/g, '"')) as string[])).toEqual(startWorker);
  });
});
