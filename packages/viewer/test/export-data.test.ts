import { describe, expect, it } from 'vitest';
import { BLOCKED_ASSET_URL, HTML_EXPORT_FORMAT, HTML_EXPORT_VERSION, type HtmlExportData, type ReplayEvent } from '@reprise/protocol';
import { inlineAssets } from '../src/export/data';

const T0 = 1_700_000_000_000;
const PNG = 'data:image/png;base64,UE5H';

function snapshot(): ReplayEvent {
  const el = (id: number, tagName: string, attributes: Record<string, string>, childNodes: unknown[] = []) => ({
    type: 2,
    id,
    tagName,
    attributes,
    childNodes,
  });
  return {
    t: T0 + 1,
    kind: 'dom',
    data: {
      type: 2,
      timestamp: T0 + 1,
      data: {
        node: {
          type: 0,
          id: 1,
          childNodes: [
            el(2, 'html', {}, [
              el(3, 'body', { style: 'background: url(/bg.png)' }, [
                el(4, 'img', { src: '/logo.png' }),
                el(5, 'img', { src: 'https://elsewhere.example/track.gif' }),
                el(6, 'link', { rel: 'stylesheet', href: 'https://cdn.example/site.css' }),
              ]),
            ]),
          ],
        },
        initialOffset: { top: 0, left: 0 },
      },
    },
  };
}

function data(events: ReplayEvent[]): HtmlExportData {
  return {
    format: HTML_EXPORT_FORMAT,
    version: HTML_EXPORT_VERSION,
    exportedAt: T0,
    session: {
      id: 's1',
      firstUrl: 'https://shop.example/',
      startedAt: T0,
      durationMs: 1,
      browser: null,
      browserVersion: null,
      os: null,
      osVersion: null,
      device: null,
      userAgent: null,
      userId: null,
      linkLabel: null,
      tags: {},
    },
    range: null,
    assets: { 'https://shop.example/logo.png': PNG },
    assetsLeftOut: 0,
    events,
  };
}

describe('HTML export: asset URLs in the inlined events', () => {
  it('points captured assets at their inlined copy and blanks every other one, relative URLs resolved against the page', () => {
    const meta: ReplayEvent = {
      t: T0,
      kind: 'dom',
      data: { type: 4, timestamp: T0, data: { href: 'https://shop.example/cart', width: 800, height: 600 } },
    };
    const out = inlineAssets(data([meta, snapshot()]));
    const text = JSON.stringify(out.events[1]!.data);
    expect(text).toContain(`"src":"${PNG}"`);
    expect(text).not.toMatch(/logo\.png|track\.gif|site\.css|bg\.png|https?:\/\/(?!shop\.example\/cart)/);
    expect(text.split(`"${BLOCKED_ASSET_URL}"`).length - 1).toBe(2);
    expect(text).toContain(`url(${BLOCKED_ASSET_URL})`);
  });
});
