/** Command line of `npm run bench -- [name] [--runs N] [--duration S] [--minutes M] [--backend sqlite|postgres] [--smoke]`. */
export interface BenchArgs {
  /** Benchmark to run; undefined runs all of them. */
  name: string | undefined;
  runs: number | undefined;
  durationS: number | undefined;
  /** Soak length in minutes. */
  minutes: number | undefined;
  /** Soak: only this backend (default both). */
  backends: Array<'sqlite' | 'postgres'> | undefined;
  smoke: boolean;
}

export function parseArgs(argv: readonly string[]): BenchArgs {
  const out: BenchArgs = { name: undefined, runs: undefined, durationS: undefined, minutes: undefined, backends: undefined, smoke: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v <= 0) throw new Error(`${a} needs a positive number`);
      return v;
    };
    if (a === '--runs') out.runs = Math.round(value());
    else if (a === '--duration') out.durationS = value();
    else if (a === '--minutes') out.minutes = value();
    else if (a === '--backend') {
      const b = argv[++i];
      if (b !== 'sqlite' && b !== 'postgres') throw new Error('--backend needs sqlite or postgres');
      out.backends = [...(out.backends ?? []), b];
    } else if (a === '--smoke') out.smoke = true;
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else if (out.name === undefined) out.name = a;
    else throw new Error(`unexpected argument ${a}`);
  }
  return out;
}
