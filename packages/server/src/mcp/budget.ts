/**
 * Every tool answer fits a size budget, so one call can never flood an assistant's context.
 * About 4 characters a token, like the digest (digest/).
 */
export const CHARS_PER_TOKEN = 4;
export const DEFAULT_TOOL_TOKENS = 4_000;

/** Joins lines until the budget is reached, then says how many were left out. */
export function fitLines(lines: string[], maxChars: number = DEFAULT_TOOL_TOKENS * CHARS_PER_TOKEN, what = 'lines'): string {
  const out: string[] = [];
  let used = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (used + line.length + 1 > maxChars) {
      out.push(`… ${lines.length - i} more ${what} left out to stay within the size budget`);
      break;
    }
    out.push(line);
    used += line.length + 1;
  }
  return out.join('\n');
}

/** A value cut to `max` characters, saying how long it was. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… [${text.length - max} more characters left out]`;
}
