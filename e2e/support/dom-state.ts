import type { Frame, Page } from 'playwright-core';

/**
 * What a replay must reproduce of a page, as lines in document order: each element's tag,
 * classes, test id and `hidden`/`disabled`/`open` attributes, a checkbox's checked state, an
 * input's value (as its length: the recorder masks inputs, so the replay shows one `*` per
 * character; a password's value is never recorded), and every non-empty text (text inside `[data-reprise-mask]` with each visible
 * character as `*`, as the replay shows it). Open shadow roots are walked where they are.
 * Scripts, styles and the head are left out (the replay keeps them inert or rewrites them).
 *
 * Plain JavaScript source, evaluated in the page, the replay iframe or the viewer page (realm-free:
 * no instanceof), so the same function reads the live page and the replay.
 */
export const DOM_STATE_JS = String.raw`(function domState(root) {
  var SKIP = { SCRIPT: 1, STYLE: 1, LINK: 1, META: 1, NOSCRIPT: 1, TEMPLATE: 1, TITLE: 1, HEAD: 1 };
  var out = [];
  function walk(node, depth, masked) {
    var kids = node.childNodes;
    for (var i = 0; i < kids.length; i++) {
      var c = kids[i];
      var pad = new Array(depth + 1).join('  ');
      if (c.nodeType === 3) {
        var t = c.data.replace(/\s+/g, ' ').trim();
        if (masked) t = t.replace(/\S/g, '*');
        if (t) out.push(pad + JSON.stringify(t));
        continue;
      }
      if (c.nodeType !== 1 || SKIP[c.tagName]) continue;
      var line = c.tagName.toLowerCase();
      // rrweb marks hovered elements with a ":hover" class in the replay.
      var cls = Array.prototype.slice.call(c.classList).filter(function (x) { return x.charAt(0) !== ':'; }).sort().join('.');
      if (cls) line += '.' + cls;
      ['data-testid', 'hidden', 'disabled', 'open'].forEach(function (a) {
        if (c.hasAttribute(a)) line += '[' + a + '=' + c.getAttribute(a) + ']';
      });
      if (c.tagName === 'INPUT' && (c.type === 'checkbox' || c.type === 'radio')) line += c.checked ? ' checked' : ' unchecked';
      else if ((c.tagName === 'INPUT' && c.type !== 'password') || c.tagName === 'TEXTAREA') line += ' value=' + c.value.length;
      out.push(pad + line);
      var m = masked || c.hasAttribute('data-reprise-mask');
      if (c.shadowRoot) {
        out.push(pad + '  #shadow-root');
        walk(c.shadowRoot, depth + 2, m);
      }
      walk(c, depth + 1, m);
    }
  }
  walk(root, 0, false);
  return out;
})`;

/** The DOM state of a page or frame's body. */
export function domState(frame: Page | Frame): Promise<string[]> {
  return frame.evaluate(`${DOM_STATE_JS}(document.body)`) as Promise<string[]>;
}
