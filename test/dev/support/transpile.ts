import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/**
 * Plain-JS copy of dev/ for tests that start the fakes as processes.
 * Transpiling (no type check) takes milliseconds and, unlike dist/, is never
 * stale. It lands under .tmp/ inside the repo so that bare imports
 * ('scimmy', 'express', ...) resolve from the repo's node_modules.
 */
export function transpileDevSources(): { dir: string; cleanup: () => void } {
  const out = join(repoRoot, '.tmp', `dev-fakes-${process.pid}-${Date.now()}`);
  const srcDir = join(repoRoot, 'dev');
  for (const file of walk(srcDir)) {
    if (!file.endsWith('.ts') || file.endsWith('.d.ts')) continue;
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      fileName: file,
    });
    const target = join(out, relative(srcDir, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, outputText);
  }
  return { dir: out, cleanup: () => rmSync(out, { recursive: true, force: true }) };
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}
