import { z } from 'zod';
import { COMMENT_LIMITS as L } from '@reprise/protocol';
import { HttpError } from '../http/errors.js';
import type { CommentPatch, CreateCommentInput } from '../store/types.js';

/** Request bodies of `/api/v1/sessions/:id/comments` (zod), with the bounds of COMMENT_LIMITS. */

const coord = z.number().finite().min(-L.maxCoordinate).max(L.maxCoordinate);
const point = z.object({ x: coord, y: coord }).strict();
const size = z.number().finite().min(0).max(L.maxCoordinate);

const shape = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('arrow'), from: point, to: point }).strict(),
  z.object({ kind: z.literal('rect'), x: coord, y: coord, w: size, h: size }).strict(),
  z.object({ kind: z.literal('freehand'), points: z.array(point).min(1).max(L.pointsPerShape) }).strict(),
]);

const shapes = z
  .array(shape)
  .max(L.shapes)
  .refine((list) => list.reduce((n, s) => n + (s.kind === 'freehand' ? s.points.length : 2), 0) <= L.totalPoints, {
    message: `a sketch holds at most ${L.totalPoints} points in all`,
  });

const element = z
  .object({
    nodeId: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1),
    selector: z.string().min(1).max(L.selectorChars),
  })
  .strict()
  .nullable();

const text = z.string().trim().max(L.textChars);
const offsetMs = z.number().int().min(0).max(8.64e15);

const createBody = z.object({ offsetMs, text: text.default(''), shapes: shapes.default([]), element: element.default(null) }).strict();
const patchBody = z.object({ offsetMs, text, shapes, element }).partial().strict();

function invalid(err: z.ZodError): HttpError {
  const issue = err.issues[0]!;
  const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
  return new HttpError(400, 'invalid_request', `${where}${issue.message}`);
}

/** The new comment a POST body describes; a 400 naming the first problem otherwise. */
export function parseCreateComment(raw: unknown, sessionId: string, authorId: string | null): CreateCommentInput {
  const r = createBody.safeParse(raw ?? {});
  if (!r.success) throw invalid(r.error);
  if (!r.data.text && r.data.shapes.length === 0) throw new HttpError(400, 'invalid_request', 'a comment needs text or a sketch');
  return { sessionId, authorId, ...r.data };
}

/** The fields a PATCH body changes; a 400 naming the first problem otherwise. */
export function parseCommentPatch(raw: unknown): CommentPatch {
  const r = patchBody.safeParse(raw ?? {});
  if (!r.success) throw invalid(r.error);
  if (Object.keys(r.data).length === 0) throw new HttpError(400, 'invalid_request', 'send at least one of offsetMs, text, shapes, element');
  return r.data;
}
