import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ReplayEvent } from '@reprise/protocol';
import { html } from './support/fake-ingest.js';
import { pkgDir, SDK, useHarness } from './support/harness.js';
import { patchRecordSource } from '../rrweb-patches.mjs';

// The SDK bundles rrweb with a memo for its "is this text masked?" check during a mutation emit
// (rrweb-patches.mjs). The memo must give rrweb's answer for every added node: text under a mask
// marker, however deep and whichever of its ancestors carries it, is masked; nothing else is.

const h = useHarness();

const PAGE = html(
  '<script src="/sdk/reprise.js"></script>',
  `<div id="open-host"><p>static-open</p></div>
   <div data-reprise-mask><div id="masked-host"><p>static-masked</p></div></div>`,
);

describe('masking of added nodes (rrweb with the masking memo)', () => {
  it('masks exactly the text under data-reprise-mask or .rr-mask, at any depth, in one emit', async () => {
    h.ingest.pages.set('/mask-memo', PAGE);
    const page = await h.browser.newPage();
    await page.goto(`${h.ingest.base}/mask-memo`);
    await page.waitForFunction(() => typeof window.Reprise?.init === 'function');
    const sid = await page.evaluate(async () => {
      const handle = window.Reprise!.init({ projectKey: 'test-key', endpoint: location.origin, flushIntervalMs: 60_000 });
      await new Promise((r) => setTimeout(r, 100));
      const div = (text: string): HTMLDivElement => {
        const d = document.createElement('div');
        d.appendChild(document.createTextNode(text));
        return d;
      };
      // All of this lands in one mutation emit. A 300-deep chain: levels 0-99 open, the mask
      // marker on level 100, 100-299 masked (the memo sees open ancestors first, then masked ones).
      const top = div('chain-open-0');
      let cur = top;
      for (let i = 1; i < 300; i++) {
        const d = div(i < 100 ? `chain-open-${i}` : `chain-hidden-${i}`);
        if (i === 100) d.setAttribute('data-reprise-mask', '');
        cur.appendChild(d);
        cur = d;
      }
      document.getElementById('open-host')!.appendChild(top);
      // Siblings after a masked subtree, rrweb's own class, and nodes under marked ancestors
      // that were on the page before (the walk reaches elements the emit never added).
      const cls = div('class-open');
      const under = div('class-hidden');
      under.className = 'rr-mask';
      under.appendChild(div('class-hidden-deep'));
      cls.appendChild(under);
      cls.appendChild(div('class-open-after'));
      document.getElementById('open-host')!.appendChild(cls);
      document.getElementById('masked-host')!.appendChild(div('host-hidden'));
      document.getElementById('open-host')!.appendChild(div('host-open'));
      await handle.flush();
      return handle.getSessionId()!;
    });
    await page.close();

    const domJson = () =>
      h.ingest
        .forSession(sid)
        .flatMap((r) => r.batch.events)
        .filter((e: ReplayEvent) => e.kind === 'dom')
        .map((e) => JSON.stringify(e.data))
        .join('\n');
    // The mutations leave with the pagehide send, which may arrive after close() returns.
    await expect.poll(() => domJson().includes('"host-open"'), { timeout: 10_000 }).toBe(true);
    const json = domJson();
    expect(json).toContain('static-open');
    for (let i = 0; i < 100; i++) expect(json).toContain(`"chain-open-${i}"`);
    for (const open of ['class-open', 'class-open-after', 'host-open']) expect(json).toContain(`"${open}"`);
    // Masked text keeps its length as asterisks; none of it may appear.
    for (const hidden of ['chain-hidden', 'class-hidden', 'host-hidden', 'static-masked']) expect(json).not.toContain(hidden);
    expect(json.match(/"\*{15,17}"/g)?.length ?? 0).toBeGreaterThanOrEqual(200);
  });

  it('the pinned rrweb still has the code the memo hooks into, and the SDK bundles it', () => {
    const require = createRequire(`${pkgDir}/package.json`);
    const recordJs = require.resolve('@rrweb/record').replace(/record\.cjs$/, 'record.js');
    const patched: string = patchRecordSource(readFileSync(recordJs, 'utf8'));
    expect(patched).toContain('needMaskingText$rrweb(node');
    expect(patched).toContain('function* serializeNodeWithId$sliced(n, options)');
    // Property names survive minification: the SDK's MutationBuffer emits through the memo.
    expect(readFileSync(SDK, 'utf8')).toContain('emit$rrweb');
  });
});
