import type { z } from 'zod';
import type { ToolContext } from './context.js';

/** One MCP tool: a name, a one-line description an assistant picks by, a zod input shape, and its text answer. */
export interface ToolDef<S extends z.ZodRawShape = z.ZodRawShape> {
  name: string;
  description: string;
  input: S;
  run(ctx: ToolContext, args: z.infer<z.ZodObject<S>>): Promise<string>;
}

/** Keeps `args` typed from the shape at each definition site. */
export function defineTool<S extends z.ZodRawShape>(def: ToolDef<S>): ToolDef<S> {
  return def;
}
