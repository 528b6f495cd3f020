/**
 * A page whose CSP says `require-trusted-types-for 'script'` refuses a plain string as a
 * Worker's URL (and reports a violation). The compression Worker's blob: URL then goes through
 * a Trusted Types policy of ours, named `reprise`; a page that lists the policies it allows
 * (`trusted-types …`) adds that name, else the Worker is refused as before and compression
 * falls back to the main thread. The policy passes only blob: URLs, the only ones we make.
 */
export const TRUSTED_TYPES_POLICY = 'reprise';

interface ScriptUrlPolicy {
  createScriptURL(url: string): unknown;
}
interface TrustedTypesFactory {
  createPolicy(name: string, rules: { createScriptURL(url: string): string }): ScriptUrlPolicy;
}

let policy: ScriptUrlPolicy | null | undefined;

/** `url` (a blob: URL) as a Worker accepts it on this page. */
export function workerScriptUrl(url: string): string {
  if (policy === undefined) {
    policy = null;
    try {
      const tt = (globalThis as { trustedTypes?: TrustedTypesFactory }).trustedTypes;
      if (tt && typeof tt.createPolicy === 'function')
        policy = tt.createPolicy(TRUSTED_TYPES_POLICY, {
          createScriptURL(u: string): string {
            if (!u.startsWith('blob:')) throw new TypeError('reprise: only blob: worker URLs');
            return u;
          },
        });
    } catch {
      /* the page's `trusted-types` list leaves ours out: the plain URL, refused or not */
    }
  }
  // A TrustedScriptURL, which Worker takes where it takes a string.
  return policy ? (policy.createScriptURL(url) as string) : url;
}
