// Change 8: an inline style without url() is not resolved against the document.
// rrweb rewrites the url() references of every `style` attribute it serializes to absolute URLs,
// and first resolves the document's URL for that through an <a> element (setAttribute, then the
// href getter: a URL parse per attribute). A style without "url(" has nothing to rewrite (rrweb's
// pattern only matches that lowercase text), so it is returned as it is: the same value, with no
// URL parse. Pages styled inline (React, Vue) carry a style attribute on many elements.
import { replaceOnce } from './anchors.mjs';

const STYLE_BRANCH = '  } else if (name === "style") {\n    return absolutifyURLs(value, getHref(doc));';

export function patchStyleUrls(src) {
  return replaceOnce(
    src,
    STYLE_BRANCH,
    '  } else if (name === "style") {\n    return value.indexOf("url(") === -1 ? value : absolutifyURLs(value, getHref(doc));',
  );
}
