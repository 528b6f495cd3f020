/**
 * Seeks with range loading: a moment whose window is not loaded yet is shown once it is (the old
 * frame stays meanwhile, `waiting` is true), unless another seek came first.
 */

/** Null when the moment can be shown now, else a promise that resolves once its window is handed over. */
export type EnsureLoaded = (offsetMs: number) => Promise<void> | null;

export class LoadedSeek<R> {
  private seq = 0;
  /** A seek waits for its window. */
  waiting = false;

  /**
   * @param current the replayer now (a seek that waited applies only to the one it was made on)
   * @param onWaiting told whenever `waiting` changes
   */
  constructor(
    private readonly current: () => R | null,
    private readonly onWaiting: (waiting: boolean) => void,
    public ensure: EnsureLoaded | undefined = undefined,
  ) {}

  /** Runs `apply` once the moment `ms` is loaded: at once when it is. Returns false when it had to wait. */
  whenLoaded(ms: number, apply: (r: R) => void): boolean {
    const mine = ++this.seq;
    const r = this.current();
    if (!r) return true;
    const pending = this.ensure?.(ms) ?? null;
    if (!pending) {
      this.setWaiting(false);
      apply(r);
      return true;
    }
    this.setWaiting(true);
    pending.then(
      () => {
        if (mine !== this.seq || this.current() !== r) return;
        this.setWaiting(false);
        apply(r);
      },
      () => {
        // A failed window: stay where we are; the next seek tries again.
        if (mine === this.seq) this.setWaiting(false);
      },
    );
    return false;
  }

  /** Drops a seek still waiting for its window (the user did something else). */
  cancel(): void {
    this.seq++;
    this.setWaiting(false);
  }

  private setWaiting(w: boolean): void {
    if (this.waiting === w) return;
    this.waiting = w;
    this.onWaiting(w);
  }
}
