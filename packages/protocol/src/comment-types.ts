/**
 * Comments pinned to a moment of a session, with an optional sketch (docs/comments.md).
 * Sketch coordinates are the recorded page's CSS pixels in its viewport at that moment (the replay
 * iframe's own coordinates), so a sketch stays on the element whatever size the player is drawn at.
 */

/** A point in the recorded page's viewport, CSS px. */
export interface SketchPoint {
  x: number;
  y: number;
}

export type SketchShape =
  | { kind: 'arrow'; from: SketchPoint; to: SketchPoint }
  | { kind: 'rect'; x: number; y: number; w: number; h: number }
  | { kind: 'freehand'; points: SketchPoint[] };

/** The DOM element a comment names: rrweb's node id (stable across the replay) and a CSS selector. */
export interface CommentElement {
  nodeId: number;
  selector: string;
}

export interface SessionComment {
  id: string;
  sessionId: string;
  /** Ms from the replay's start (the player's clock, as `?t=`). */
  offsetMs: number;
  text: string;
  shapes: SketchShape[];
  element: CommentElement | null;
  authorId: string | null;
  /** The author's email when the account still exists. */
  authorEmail: string | null;
  createdAt: number;
  updatedAt: number;
  /** Whether the caller may edit or delete it (its author, or an admin); set by the API. */
  canEdit?: boolean;
}

/** What a comment may hold (the API refuses more with a 400). */
export const COMMENT_LIMITS = {
  textChars: 5000,
  shapes: 50,
  /** Points of one freehand line. */
  pointsPerShape: 2000,
  /** Points of every shape together (an arrow is 2, a rectangle 2). */
  totalPoints: 10_000,
  /** Coordinates beyond ±this many px are refused. */
  maxCoordinate: 100_000,
  selectorChars: 1000,
  perSession: 1000,
} as const;
