/**
 * The demo shop's catalogue. Prices are in whole cents so totals add up exactly.
 * @type {ReadonlyArray<{ id: string, name: string, description: string, priceCents: number, hue: number }>}
 */
export const products = Object.freeze([
  { id: 'mug', name: 'Replay Mug', description: 'Holds 350 ml of coffee, one more time.', priceCents: 1400, hue: 18 },
  { id: 'tee', name: 'Breakpoint Tee', description: 'Soft cotton tee that pauses execution.', priceCents: 2400, hue: 210 },
  { id: 'notebook', name: 'Stack Trace Notebook', description: 'Dotted pages for reading from the bottom up.', priceCents: 1200, hue: 45 },
  { id: 'stickers', name: 'Sticker Pack', description: 'Six vinyl stickers for your laptop lid.', priceCents: 600, hue: 300 },
  { id: 'hoodie', name: 'Hotfix Hoodie', description: 'Warm enough for a Friday deploy.', priceCents: 4800, hue: 150 },
  { id: 'keycap', name: 'Escape Keycap', description: 'A resin Esc key for when you need out.', priceCents: 900, hue: 0 },
]);
