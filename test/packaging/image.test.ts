/**
 * What ships: the Dockerfile and .dockerignore read against each other and against the repository
 * (no docker needed), and the built dist/ importing nothing but production dependencies.
 * The image runs the Node major the tests run on, finds its daemon's port from the config, runs
 * as a numeric non-root user, and is built from a context holding only the product's sources.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');
const manifest = JSON.parse(read('package.json')) as {
  engines: { node: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/** Instructions with line continuations joined and comments dropped. */
function dockerfile(text: string): Instruction[] {
  const logical = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return logical
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

/** .dockerignore as Docker reads it (moby/patternmatcher): the last matching pattern wins, and a pattern matching a parent directory matches what is under it. */
function buildContextFilter(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const include = line.startsWith('!');
      const pattern = (include ? line.slice(1) : line).replace(/^\/+/, '').replace(/\/+$/, '');
      expect(pattern, 'this reader knows *, ** and ?, not character classes').not.toMatch(/[[\]\\]/);
      let source = '';
      for (let i = 0; i < pattern.length; i++) {
        const c = pattern[i] as string;
        if (c === '*' && pattern[i + 1] === '*') {
          i++;
          if (pattern[i + 1] === '/') {
            i++;
            source += '(?:.*/)?';
          } else source += '.*';
        } else if (c === '*') source += '[^/]*';
        else if (c === '?') source += '[^/]';
        else source += c.replace(/[.+^${}()|]/g, '\\$&');
      }
      return { include, regex: new RegExp(`^${source}$`) };
    });
  return (path) => {
    const parts = path.split('/');
    const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let inContext = true;
    for (const rule of rules) if (candidates.some((candidate) => rule.regex.test(candidate))) inContext = rule.include;
    return inContext;
  };
}

/** Every file in the working tree, without descending into what is built or installed. */
function workingTree(dir = ROOT): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return ['.git', 'node_modules', 'dist', 'dist-dev', 'coverage', '.tmp'].includes(entry.name) && dir === ROOT ? [] : workingTree(path);
    return [relative(ROOT, path)];
  });
}

const instructions = dockerfile(read('Dockerfile'));
const stages = instructions.reduce<Instruction[][]>((all, instruction) => {
  if (instruction.keyword === 'FROM') all.push([]);
  all.at(-1)?.push(instruction);
  return all;
}, []);
const runtime = stages.at(-1) ?? [];

describe('the Dockerfile', () => {
  it('builds and runs on the Node major the tests run on, in both stages (better-sqlite3 is compiled for it)', () => {
    const args = new Map(instructions.filter((i) => i.keyword === 'ARG').map((i) => i.args.split('=') as [string, string]));
    const images = instructions
      .filter((i) => i.keyword === 'FROM')
      .map((i) => (i.args.split(/\s+/)[0] as string).replace(/^\$\{(\w+)\}$/, (_m, name: string) => args.get(name) ?? `unset ARG ${name}`));
    expect(images).toHaveLength(2);
    const majors = images.map((image) => /^node:(\d+)[.-]/.exec(image)?.[1]);
    const typesMajor = /^(\d+)\./.exec(manifest.devDependencies['@types/node'] ?? '')?.[1];
    const enginesMajor = /(\d+)/.exec(manifest.engines.node)?.[1];
    expect(majors).toEqual([typesMajor, typesMajor]);
    expect(enginesMajor).toBe(typesMajor);
    // In CI the tests' Node is the one that ships; a developer may run another one locally.
    if (process.env.CI) expect(process.versions.node.split('.')[0]).toBe(typesMajor);
  });

  it('has a HEALTHCHECK that finds the port in the config (server.port), not a hard-coded one', () => {
    const healthchecks = runtime.filter((i) => i.keyword === 'HEALTHCHECK');
    expect(healthchecks).toHaveLength(1);
    const check = healthchecks[0]!.args;
    expect(check).toMatch(/CMD \["provisiond", "healthcheck"\]$/);
    expect(check).not.toMatch(/\b8080\b/);
    // It reads the config the daemon reads.
    expect(runtime.find((i) => i.keyword === 'ENV')?.args).toMatch(/PROVISIOND_CONFIG=\/etc\/provisiond\/provisiond\.yaml/);
  });

  it('runs as a numeric non-root user, with the state on /data', () => {
    const user = runtime.filter((i) => i.keyword === 'USER').at(-1)?.args;
    expect(user).toMatch(/^[1-9]\d*(?::\d+)?$/);
    expect(runtime.find((i) => i.keyword === 'VOLUME')?.args).toBe('["/data"]');
  });

  it('puts only the built product and its production dependencies into the runtime stage', () => {
    const copies = runtime.filter((i) => i.keyword === 'COPY').map((i) => i.args);
    expect(copies).toEqual(['--from=build /app/node_modules ./node_modules', '--from=build /app/dist ./dist', 'package.json ./', 'config ./config']);
    // The build stage prunes dev dependencies before the runtime stage copies node_modules.
    expect(stages[0]!.some((i) => i.keyword === 'RUN' && /npm run build && npm prune --omit=dev/.test(i.args))).toBe(true);
  });
});

describe('the build context (.dockerignore)', () => {
  const inContext = buildContextFilter(read('.dockerignore'));
  const tree = workingTree();

  it('holds exactly the sources the Dockerfile copies', () => {
    const copied = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src/', 'config/'];
    const expected = tree.filter((path) => copied.some((c) => (c.endsWith('/') ? path.startsWith(c) : path === c)) && path !== 'config/provisiond.yaml');
    expect(tree.filter(inContext).sort()).toEqual(expected.sort());
    // Each of the Dockerfile's own COPY sources is there to copy.
    for (const copy of instructions.filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from'))) {
      for (const source of copy.args.split(/\s+/).slice(0, -1)) expect(tree.some((path) => inContext(path) && (path === source || path.startsWith(`${source}/`))), source).toBe(true);
    }
  });

  it('keeps out the fakes, the demo, benchmarks, tests, build output, an admin’s config, and secrets or state wherever they lie', () => {
    const outside = [
      'dev/graph-fake.ts',
      'dev/demo.ts',
      'bench/run.ts',
      'test/packaging/image.test.ts',
      'dist/main.js',
      'dist-dev/dev/demo.js',
      'node_modules/zod/package.json',
      'config/provisiond.yaml',
      'src/config/provisiond.env',
      '.env',
      'config/.env.production',
      'src/tls/app.pem',
      'config/tenant.key',
      'config/state.db',
      'config/state.db-wal',
      '.git/HEAD',
    ];
    expect(outside.filter(inContext)).toEqual([]);
    expect(['src/main.ts', 'config/example.yaml', 'config/provisiond.schema.json', 'package-lock.json'].filter((path) => !inContext(path))).toEqual([]);
  });

  it('matches .gitignore on the admin’s config: config/provisiond.yaml is never committed either', () => {
    expect(read('.gitignore').split('\n')).toContain('/config/provisiond.yaml');
  });
});

describe('dist/ (what the image runs)', () => {
  it('imports only Node built-ins, production dependencies and its own modules: no fake, demo or dev dependency', () => {
    const files = workingTree(join(ROOT, 'dist')).filter((file) => file.endsWith('.js'));
    expect(files.length).toBeGreaterThan(20);
    const allowed = new Set([...builtinModules, ...Object.keys(manifest.dependencies)]);
    const offending = files.flatMap((file) => {
      const text = readFileSync(join(ROOT, file), 'utf8');
      // TypeScript's own scanner: a regex also "finds" imports in template strings that say "from '…'".
      const specifiers = ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
      return specifiers
        .filter((s) => !s.startsWith('.'))
        .map((s) => s.replace(/^node:/, ''))
        .filter((s) => !allowed.has(s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : (s.split('/')[0] as string)) && !allowed.has(s))
        .map((s) => `${file}: ${s}`);
    });
    expect(offending).toEqual([]);
    expect(files.filter((file) => /fake|demo|scim-server|bench/.test(file))).toEqual([]);
  });
});
