import type { Page } from 'playwright-core';

export interface PixelDiff {
  width: number;
  height: number;
  /** Pixels whose colour differs by more than the tolerance in any channel. */
  differing: number;
  /** differing / (width × height). */
  ratio: number;
  /** Both images have the same size (otherwise every pixel counts as differing). */
  sameSize: boolean;
}

/**
 * Compares two PNG screenshots pixel by pixel, decoded by the browser (no image library): a pixel
 * differs when any channel differs by more than `tolerance` (0..255; a little absorbs
 * anti-aliasing and colour rounding, never a missing glyph or element).
 */
export async function pixelDiff(page: Page, a: Buffer, b: Buffer, tolerance = 24): Promise<PixelDiff> {
  return page.evaluate(
    `(async function (a, b, tol) {
      async function pixels(b64) {
        var img = new Image();
        img.src = 'data:image/png;base64,' + b64;
        await img.decode();
        var c = document.createElement('canvas');
        c.width = img.naturalWidth;
        c.height = img.naturalHeight;
        var ctx = c.getContext('2d');
        ctx.drawImage(img, 0, 0);
        return ctx.getImageData(0, 0, c.width, c.height);
      }
      var x = await pixels(a);
      var y = await pixels(b);
      var w = Math.max(x.width, y.width);
      var h = Math.max(x.height, y.height);
      if (x.width !== y.width || x.height !== y.height) return { width: w, height: h, differing: w * h, ratio: 1, sameSize: false };
      var n = 0;
      for (var i = 0; i < x.data.length; i += 4) {
        if (Math.abs(x.data[i] - y.data[i]) > tol || Math.abs(x.data[i + 1] - y.data[i + 1]) > tol || Math.abs(x.data[i + 2] - y.data[i + 2]) > tol) n++;
      }
      return { width: w, height: h, differing: n, ratio: n / (w * h), sameSize: true };
    })(${JSON.stringify(a.toString('base64'))}, ${JSON.stringify(b.toString('base64'))}, ${tolerance})`,
  ) as Promise<PixelDiff>;
}
