import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Machine } from './machine.js';
import { summarize } from './stats.js';

export const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const RESULTS_DIR = path.join(BENCH_DIR, 'results');

/** What a figure describes: Reprise itself, the baseline it is compared with, or their ratio. */
export type MetricRole = 'reprise' | 'baseline' | 'ratio' | 'info';

/** One figure, measured once per run; the summary is over the runs. */
export interface Metric {
  key: string;
  label: string;
  unit: string;
  role: MetricRole;
  samples: number[];
  median: number;
  min: number;
  max: number;
}

export interface BenchResult {
  name: string;
  title: string;
  /** Plain words: what was measured, and how. */
  measured: string;
  /** Plain words: the baseline measured in the same run. */
  baseline: string;
  machine: Machine;
  /** ISO date-time the benchmark finished. */
  date: string;
  /** The exact command line that produced this result. */
  command: string;
  runs: number;
  options: Record<string, string | number | boolean>;
  metrics: Metric[];
  /** Keys of the metrics to show in the summary table. */
  headline: string[];
  /** Extra tables rendered after the metrics (e.g. a breakdown that is not a per-run figure). */
  tables?: BenchTable[];
  notes: string[];
}

export interface BenchTable {
  title: string;
  header: string[];
  rows: string[][];
}

export interface MetricSpec {
  key: string;
  label: string;
  unit: string;
  role: MetricRole;
}

/** Turns per-run rows into metrics with median/min/max over the runs. */
export function collectMetrics(specs: readonly MetricSpec[], runs: ReadonlyArray<Record<string, number>>): Metric[] {
  return specs.map((spec) => {
    const samples = runs.map((r) => {
      const v = r[spec.key];
      if (v === undefined) throw new Error(`run is missing metric ${spec.key}`);
      return v;
    });
    return { ...spec, samples, ...summarize(samples) };
  });
}

export function metric(result: BenchResult, key: string): Metric {
  const m = result.metrics.find((x) => x.key === key);
  if (!m) throw new Error(`${result.name} has no metric ${key}`);
  return m;
}

export function writeResult(dir: string, result: BenchResult): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${result.name}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  return file;
}

export function readResults(dir: string): BenchResult[] {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => n.endsWith('.json'))
      .sort();
  } catch {
    return [];
  }
  return names.map((n) => JSON.parse(readFileSync(path.join(dir, n), 'utf8')) as BenchResult);
}
