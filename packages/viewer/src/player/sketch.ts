/**
 * Sketch geometry: shapes are stored in page coordinates (the recorded page's CSS px in its
 * viewport, the replay iframe's own coordinates) and drawn on screen through the fit the player
 * scales the replay with. Plain functions, so the transforms are tested without a browser.
 */
import type { SketchPoint, SketchShape } from '@reprise/protocol';

export interface Size {
  width: number;
  height: number;
}

/** How the recorded viewport sits in the stage: scaled by `scale` (never up), then offset by x, y (centred). */
export interface Fit {
  x: number;
  y: number;
  scale: number;
}

/** The fit of a recorded viewport in a stage (what Player.tsx applies to the replay's mount). */
export function fitViewport(stage: Size, viewport: Size): Fit {
  const scale = stage.width > 0 && stage.height > 0 ? Math.min(1, stage.width / viewport.width, stage.height / viewport.height) : 1;
  return {
    scale,
    x: Math.max(0, (stage.width - viewport.width * scale) / 2),
    y: Math.max(0, (stage.height - viewport.height * scale) / 2),
  };
}

/** A page point on screen (relative to the stage). */
export function toScreen(p: SketchPoint, fit: Fit): SketchPoint {
  return { x: fit.x + p.x * fit.scale, y: fit.y + p.y * fit.scale };
}

/** A stage point in page coordinates, rounded to 0.1 px (what is stored). */
export function toPage(p: SketchPoint, fit: Fit): SketchPoint {
  const round = (v: number) => Math.round(v * 10) / 10;
  return { x: round((p.x - fit.x) / fit.scale), y: round((p.y - fit.y) / fit.scale) };
}

/** A shape moved through `f` (page → screen or back); a rectangle stays one with a positive size. */
export function mapShape(s: SketchShape, f: (p: SketchPoint) => SketchPoint): SketchShape {
  switch (s.kind) {
    case 'arrow':
      return { kind: 'arrow', from: f(s.from), to: f(s.to) };
    case 'freehand':
      return { kind: 'freehand', points: s.points.map(f) };
    case 'rect': {
      const a = f({ x: s.x, y: s.y });
      const b = f({ x: s.x + s.w, y: s.y + s.h });
      return rectBetween(a, b);
    }
  }
}

/** The rectangle spanned by two corners, in any order. */
export function rectBetween(a: SketchPoint, b: SketchPoint): Extract<SketchShape, { kind: 'rect' }> {
  return { kind: 'rect', x: Math.min(a.x, b.x), y: Math.min(a.y, b.y), w: Math.abs(b.x - a.x), h: Math.abs(b.y - a.y) };
}

/** The box around a shape (for hit tests and tests). */
export function shapeBounds(s: SketchShape): { x: number; y: number; w: number; h: number } {
  const pts =
    s.kind === 'rect'
      ? [
          { x: s.x, y: s.y },
          { x: s.x + s.w, y: s.y + s.h },
        ]
      : s.kind === 'arrow'
        ? [s.from, s.to]
        : s.points;
  const xs = pts.map((p) => p.x);
  const ys = pts.map((p) => p.y);
  const x = Math.min(...xs);
  const y = Math.min(...ys);
  return { x, y, w: Math.max(...xs) - x, h: Math.max(...ys) - y };
}

/** An SVG path of a freehand line. */
export function freehandPath(points: SketchPoint[]): string {
  return points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)} ${p.y.toFixed(1)}`).join(' ');
}

/** The two strokes of an arrow's head at `to`, `size` px long. */
export function arrowHead(from: SketchPoint, to: SketchPoint, size = 12): string {
  const angle = Math.atan2(to.y - from.y, to.x - from.x);
  const wing = (a: number) => `${(to.x - size * Math.cos(angle - a)).toFixed(1)} ${(to.y - size * Math.sin(angle - a)).toFixed(1)}`;
  return `M${wing(Math.PI / 7)} L${to.x.toFixed(1)} ${to.y.toFixed(1)} L${wing(-Math.PI / 7)}`;
}

/** Drops points closer than `minGap` px to the previous one (a freehand stroke sends many). */
export function thinPoints(points: SketchPoint[], minGap = 2): SketchPoint[] {
  const out: SketchPoint[] = [];
  for (const p of points) {
    const last = out[out.length - 1];
    if (!last || Math.hypot(p.x - last.x, p.y - last.y) >= minGap) out.push(p);
  }
  return out;
}
