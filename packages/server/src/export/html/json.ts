/**
 * JSON for the text of a `<script type="application/json">`: the element ends at the first
 * `</script`, and `<!--` changes how the HTML parser finds that end, so no `<` may appear as is.
 * `\u003c` means the same to JSON.parse. U+2028 and U+2029 are escaped too, so the text stays a
 * valid JavaScript literal should anything ever evaluate it. `>` and `&` are escaped alike, so no
 * stored string can ever read as markup.
 */
export function htmlSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
