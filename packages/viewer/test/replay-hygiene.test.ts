import { describe, expect, it } from 'vitest';
import { cleanForReplay, FRAME_ATTRIBUTE } from '../src/player/replay-hygiene';
import type { RrwebEvent } from '../src/player/timeline';

const ev = (e: unknown) => e as RrwebEvent;

describe('cleanForReplay', () => {
  it('removes autofocus and inline handlers from a full snapshot, and moves a canvas image to the frame attribute', () => {
    const snapshot = ev({
      type: 2,
      timestamp: 1,
      data: {
        node: {
          type: 0,
          childNodes: [
            {
              type: 2,
              tagName: 'form',
              attributes: { onsubmit: 'x()' },
              childNodes: [
                { type: 2, tagName: 'input', attributes: { id: 'q', autofocus: '', onfocus: 'y()', 'xlink:on': 'kept' }, childNodes: [] },
                { type: 2, tagName: 'canvas', attributes: { rr_dataURL: 'data:image/webp;base64,AAAA' }, childNodes: [] },
                { type: 3, textContent: 'onclick stays text' },
              ],
            },
          ],
        },
      },
    });
    const out = cleanForReplay(snapshot) as unknown as {
      data: { node: { childNodes: { attributes: object; childNodes: { attributes?: object; textContent?: string }[] }[] } };
    };
    const form = out.data.node.childNodes[0]!;
    expect(form.attributes).toEqual({});
    expect(form.childNodes[0]!.attributes).toEqual({ id: 'q', 'xlink:on': 'kept' });
    expect(form.childNodes[1]!.attributes).toEqual({ [FRAME_ATTRIBUTE]: 'data:image/webp;base64,AAAA' });
    expect(form.childNodes[2]!.textContent).toBe('onclick stays text');
    // Idempotent: cleaning again changes nothing.
    expect(cleanForReplay(out as unknown as RrwebEvent)).toEqual(out);
  });

  it('cleans added nodes and attribute changes of mutations, and leaves other events alone', () => {
    const mutation = ev({
      type: 3,
      timestamp: 2,
      data: {
        source: 0,
        adds: [{ parentId: 1, node: { type: 2, tagName: 'input', attributes: { autofocus: true, value: 'a' }, childNodes: [] } }],
        attributes: [{ id: 5, attributes: { AUTOFOCUS: '', onerror: 'z()', class: 'c' } }],
        removes: [],
        texts: [],
      },
    });
    const out = cleanForReplay(mutation) as unknown as {
      data: { adds: { node: { attributes: object } }[]; attributes: { attributes: object }[] };
    };
    expect(out.data.adds[0]!.node.attributes).toEqual({ value: 'a' });
    expect(out.data.attributes[0]!.attributes).toEqual({ class: 'c' });
    const input = ev({ type: 3, timestamp: 3, data: { source: 5, id: 4, text: 'onclick' } });
    expect(cleanForReplay(input)).toEqual({ type: 3, timestamp: 3, data: { source: 5, id: 4, text: 'onclick' } });
  });

  it('survives malformed stored events', () => {
    for (const data of [
      null,
      42,
      { node: null },
      { source: 0, adds: [null, { node: { type: 2, attributes: null } }] },
      { source: 0, attributes: 'x' },
    ]) {
      expect(() => cleanForReplay(ev({ type: 2, timestamp: 1, data }))).not.toThrow();
      expect(() => cleanForReplay(ev({ type: 3, timestamp: 1, data }))).not.toThrow();
    }
  });
});
