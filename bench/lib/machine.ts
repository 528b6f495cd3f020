import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where a benchmark ran; stored with every result. */
export interface Machine {
  cpuModel: string;
  cores: number;
  totalMemoryGiB: number;
  os: string;
  node: string;
  /** Chromium version as `browser.version()` reports it; null when the benchmark used no browser. */
  chromium: string | null;
  /** Filesystem holding the temp dir, where the server's data and the floor files live (from df). */
  tmpFilesystem: string;
  /** 1-minute load average when the result was written: other work on the machine skews timings. */
  loadAverage1m: number;
}

function tmpFilesystem(): string {
  try {
    const lines = execFileSync('df', ['-PT', os.tmpdir()], { encoding: 'utf8' }).trim().split('\n');
    const cols = (lines[lines.length - 1] ?? '').split(/\s+/);
    return `${cols[1] ?? '?'} on ${cols[0] ?? '?'} (${os.tmpdir()})`;
  } catch {
    return 'unknown';
  }
}

export function describeMachine(chromium: string | null): Machine {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    totalMemoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    chromium,
    tmpFilesystem: tmpFilesystem(),
    loadAverage1m: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
  };
}

/** The commit the benchmark ran against, with "+dirty" when the tree had uncommitted changes. */
export function gitRevision(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    // Pathspecs relative to the repository root (this file is in bench/lib): the measured code and the benchmarks.
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'packages', 'examples', 'e2e', 'bench', ':(exclude)bench/results'], {
      encoding: 'utf8',
      cwd: root,
    }).trim();
    return dirty ? `${head}+dirty` : head;
  } catch {
    return 'unknown';
  }
}
