/**
 * Monkey-patching helper. A patch is undone on stop only while our wrapper is still
 * the installed value; if the page (or another tool) wrapped it after us, removing
 * ours would drop theirs too, so the wrapper stays in place and becomes a pass-through.
 */
export interface Patched<F> {
  /** The function that was installed before ours. */
  readonly original: F;
  restore(): void;
}

type AnyFn = (...args: any[]) => any; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Replaces `obj[name]` with `make(original, isActive)`. Returns null when there is
 * nothing to patch (missing or not a function) or the property is not writable.
 */
export function patchMethod<T extends object, K extends keyof T>(
  obj: T,
  name: K,
  make: (original: T[K] & AnyFn, isActive: () => boolean) => T[K],
): Patched<T[K]> | null {
  let original: T[K];
  try {
    original = obj[name];
  } catch {
    return null;
  }
  if (typeof original !== 'function') return null;
  let active = true;
  const wrapper = make(original as T[K] & AnyFn, () => active);
  const hadOwn = Object.prototype.hasOwnProperty.call(obj, name);
  try {
    (obj as Record<K, unknown>)[name] = wrapper;
    if (obj[name] !== wrapper) return null;
  } catch {
    return null;
  }
  return {
    original,
    restore() {
      active = false;
      try {
        if (obj[name] !== wrapper) return; // someone wrapped us: stay, inert
        if (hadOwn) (obj as Record<K, unknown>)[name] = original;
        else delete (obj as Record<K, unknown>)[name];
      } catch {
        /* non-configurable: the wrapper is inert anyway */
      }
    },
  };
}
