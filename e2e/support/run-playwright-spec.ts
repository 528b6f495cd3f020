import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../test-support/chromium.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(REPO, 'node_modules/@playwright/test/cli.js');

export interface SpecRunOptions {
  /** The spec's source; written as `<specName>`. */
  spec: string;
  specName?: string;
  /** Files beside the spec (a HAR the spec reads), by file name. */
  files?: Record<string, string>;
  /** Where the app's front end is served: the config's `use.baseURL` and `REPRISE_BASE_URL`. */
  baseURL: string;
  /** Per-test timeout inside Playwright; the whole run gets this plus a margin. */
  testTimeoutMs?: number;
}

export interface SpecRun {
  /** Playwright exited 0 and every test ran as expected (at least one test ran). */
  passed: boolean;
  exitCode: number | null;
  expected: number;
  unexpected: number;
  /** The failing tests' error messages, from the JSON report. */
  errors: string[];
  /** Playwright's line reporter output (stdout + stderr). */
  output: string;
}

interface JsonReport {
  stats?: { expected: number; unexpected: number; flaky: number; skipped: number };
  errors?: { message?: string }[];
  suites?: JsonSuite[];
}
interface JsonSuite {
  suites?: JsonSuite[];
  specs?: { tests: { results: { errors?: { message?: string }[] }[] }[] }[];
}

/** A config as a developer would write one to run an exported spec on Debian's Chromium. */
function configSource(baseURL: string, testTimeoutMs: number): string {
  return `import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  timeout: ${testTimeoutMs},
  expect: { timeout: 20_000 },
  workers: 1,
  retries: 0,
  outputDir: './test-results',
  reporter: [['line'], ['json', { outputFile: 'report.json' }]],
  use: {
    baseURL: ${JSON.stringify(baseURL)},
    headless: true,
    trace: 'off',
    screenshot: 'off',
    video: 'off',
    launchOptions: { executablePath: ${JSON.stringify(CHROMIUM_PATH)}, args: ${JSON.stringify(CHROMIUM_ARGS)} },
  },
});
`;
}

function collectErrors(suites: JsonSuite[] | undefined, into: string[]): string[] {
  for (const suite of suites ?? []) {
    for (const spec of suite.specs ?? [])
      for (const test of spec.tests)
        for (const result of test.results) for (const e of result.errors ?? []) into.push(stripVTControlCharacters(e.message ?? ''));
    collectErrors(suite.suites, into);
  }
  return into;
}

/**
 * Writes an exported spec into a fresh directory with its own playwright.config.ts and runs it
 * with `@playwright/test`, as a developer would after downloading it. The directory links the
 * repository's node_modules, so `import { test } from '@playwright/test'` resolves there.
 */
export async function runPlaywrightSpec(opts: SpecRunOptions): Promise<SpecRun> {
  const dir = await mkdtemp(join(tmpdir(), 'reprise-pw-'));
  const testTimeoutMs = opts.testTimeoutMs ?? 120_000;
  try {
    await symlink(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'dir');
    await writeFile(join(dir, 'playwright.config.ts'), configSource(opts.baseURL, testTimeoutMs));
    await writeFile(join(dir, opts.specName ?? 'exported.spec.ts'), opts.spec);
    for (const [name, body] of Object.entries(opts.files ?? {})) await writeFile(join(dir, name), body);
    const { code, output } = await runCli(dir, opts.baseURL, testTimeoutMs + 60_000);
    const report = await readReport(join(dir, 'report.json'));
    const expected = report.stats?.expected ?? 0;
    const unexpected = report.stats?.unexpected ?? 0;
    const errors = collectErrors(
      report.suites,
      (report.errors ?? []).map((e) => stripVTControlCharacters(e.message ?? '')),
    );
    const passed = code === 0 && expected > 0 && unexpected === 0 && (report.stats?.flaky ?? 0) === 0;
    return { passed, exitCode: code, expected, unexpected, errors, output };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function readReport(path: string): Promise<JsonReport> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as JsonReport;
  } catch {
    // No report: the run broke before any test (a config or syntax error); the output says why.
    return {};
  }
}

function runCli(cwd: string, baseURL: string, killAfterMs: number): Promise<{ code: number | null; output: string }> {
  // A clean environment for the child: no vitest variables, no browser download. An exported
  // spec takes its baseURL from REPRISE_BASE_URL (over the config's).
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1',
    FORCE_COLOR: '0',
    REPRISE_BASE_URL: baseURL,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'test', '--config', 'playwright.config.ts'], { cwd, env });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
