/**
 * Sketches over the replay: an SVG the size of the stage, with shapes stored in page coordinates
 * drawn through the replay's fit (sketch.ts), so they stay on the page's elements at any player
 * size. While composing, it takes the pointer: drags draw the chosen tool's shape, and the
 * element tool names the element under a click.
 */
import { useRef, useState, type PointerEvent } from 'react';
import type { SketchPoint, SketchShape } from '@reprise/protocol';
import { arrowHead, freehandPath, mapShape, rectBetween, thinPoints, toPage, toScreen, type Fit } from '../player/sketch';

export type SketchTool = 'arrow' | 'rect' | 'freehand' | 'element';

interface Props {
  fit: Fit;
  /** Shapes in page coordinates. */
  shapes: SketchShape[];
  /** Drawing: the tool, and where a finished shape (page coordinates) or a picked point goes. */
  drawing?: {
    tool: SketchTool;
    onShape(shape: SketchShape): void;
    onPick(p: SketchPoint): void;
  };
  testId: string;
}

export function SketchLayer({ fit, shapes, drawing, testId }: Props) {
  const ref = useRef<SVGSVGElement>(null);
  const [draft, setDraft] = useState<SketchShape | null>(null);
  const start = useRef<SketchPoint | null>(null);

  const stagePoint = (e: PointerEvent<SVGSVGElement>): SketchPoint => {
    const r = ref.current!.getBoundingClientRect();
    return toPage({ x: e.clientX - r.left, y: e.clientY - r.top }, fit);
  };
  const shapeTo = (tool: SketchTool, from: SketchPoint, to: SketchPoint, prev: SketchShape | null): SketchShape | null => {
    if (tool === 'arrow') return { kind: 'arrow', from, to };
    if (tool === 'rect') return rectBetween(from, to);
    if (tool === 'freehand') return { kind: 'freehand', points: [...(prev?.kind === 'freehand' ? prev.points : [from]), to] };
    return null;
  };

  const handlers = drawing
    ? {
        onPointerDown(e: PointerEvent<SVGSVGElement>) {
          if (e.button !== 0) return;
          const p = stagePoint(e);
          if (drawing.tool === 'element') {
            drawing.onPick(p);
            return;
          }
          e.currentTarget.setPointerCapture(e.pointerId);
          start.current = p;
          setDraft(shapeTo(drawing.tool, p, p, null));
        },
        onPointerMove(e: PointerEvent<SVGSVGElement>) {
          if (!start.current) return;
          const p = stagePoint(e);
          setDraft((d) => shapeTo(drawing.tool, start.current!, p, d));
        },
        onPointerUp() {
          const d = draft;
          start.current = null;
          setDraft(null);
          if (!d) return;
          const finished = d.kind === 'freehand' ? { ...d, points: thinPoints(d.points, 1) } : d;
          // A click without a drag draws nothing.
          if (finished.kind === 'rect' && finished.w < 3 && finished.h < 3) return;
          if (finished.kind === 'arrow' && Math.hypot(finished.to.x - finished.from.x, finished.to.y - finished.from.y) < 3) return;
          drawing.onShape(finished);
        },
      }
    : {};

  const all = draft ? [...shapes, draft] : shapes;
  return (
    <svg
      ref={ref}
      className={drawing ? `sketch-layer drawing tool-${drawing.tool}` : 'sketch-layer'}
      data-testid={testId}
      data-shapes={shapes.length}
      {...handlers}
    >
      {all.map((s, i) => (
        <ShapeView key={i} shape={mapShape(s, (p) => toScreen(p, fit))} />
      ))}
    </svg>
  );
}

/** One shape, already in screen coordinates. */
function ShapeView({ shape }: { shape: SketchShape }) {
  switch (shape.kind) {
    case 'rect':
      return <rect className="sketch-shape" data-kind="rect" x={shape.x} y={shape.y} width={shape.w} height={shape.h} rx={3} />;
    case 'arrow':
      return (
        <g className="sketch-shape" data-kind="arrow">
          <line x1={shape.from.x} y1={shape.from.y} x2={shape.to.x} y2={shape.to.y} />
          <path d={arrowHead(shape.from, shape.to)} />
        </g>
      );
    case 'freehand':
      return <path className="sketch-shape" data-kind="freehand" d={freehandPath(shape.points)} />;
  }
}
