import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * Type-checks a generated Playwright spec against playwright-core's real `Page`/`Locator`/
 * `Request`/`Response` types. `@playwright/test` is not a dependency here, so its `test` and
 * `expect` come from a small stand-in declaration; every page call is checked for real.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const DIR = path.join(ROOT, 'packages/server/test/.spec-check');
const SPEC = path.join(DIR, 'generated.spec.ts');
const SHIM = path.join(DIR, 'playwright-test.d.ts');
const SHIM_TEXT = `declare module '@playwright/test' {
  import type { Locator, Page, Request, Response } from 'playwright-core';
  export type { Locator, Page, Request, Response };
  type Matchers = { [name: string]: (...args: unknown[]) => Promise<void> };
  export const test: { (title: string, body: (fixtures: { page: Page }) => Promise<void>): void; use(options: { baseURL?: string }): void };
  export const expect: ((actual: unknown) => Matchers) & { poll(fn: () => unknown): Matchers; stringContaining(text: string): unknown };
}`;

export function typeErrors(source: string): string[] {
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: ['node'],
    typeRoots: [path.join(ROOT, 'node_modules/@types')],
    skipLibCheck: true,
  };
  const host = ts.createCompilerHost(options);
  const virtual = new Map([
    [SPEC, source],
    [SHIM, SHIM_TEXT],
  ]);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (f) => virtual.has(f) || fileExists.call(host, f);
  host.readFile = (f) => virtual.get(f) ?? readFile.call(host, f);
  host.getSourceFile = (f, lang, ...rest) => {
    const text = virtual.get(f);
    return text !== undefined ? ts.createSourceFile(f, text, lang) : getSourceFile.call(host, f, lang, ...rest);
  };
  const program = ts.createProgram([SPEC, SHIM], options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .map(
      (d) =>
        `${d.file ? `${path.basename(d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1} ` : ''}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
    );
}
