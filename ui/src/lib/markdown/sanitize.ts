// The second line of defence for assistant output: whatever markdown-it,
// KaTeX and highlight.js produced goes through DOMPurify with an allow-list
// of exactly the elements and attributes they emit. Links must be absolute
// http(s); nothing can carry script (no on* attributes, no script, iframe,
// object, embed, form, style or img elements). KaTeX and table alignment
// need inline styles, which the CSP (`style-src 'self'`) forbids as
// attributes: they travel as `data-kstyle`, filtered to a few layout
// properties with plain values (styles.ts), and are applied through the
// CSSOM (which the CSP allows) by `applyStyles` once the nodes are in the page.
import DOMPurify, { type Config } from 'dompurify';
import { safeStyle } from './styles';

const HTML_TAGS = [
  'a', 'blockquote', 'br', 'button', 'code', 'del', 'div', 'em', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr',
  'li', 'ol', 'p', 'pre', 's', 'span', 'strong', 'sub', 'sup', 'table', 'tbody', 'td', 'th', 'thead', 'tr', 'ul',
];
// KaTeX draws stretchy symbols and roots with these.
const SVG_TAGS = ['svg', 'path', 'line'];
// What KaTeX's MathML output uses (never annotation-xml, an HTML integration point).
const MATHML_TAGS = [
  'math', 'semantics', 'annotation', 'mrow', 'mi', 'mn', 'mo', 'ms', 'mtext', 'mspace', 'msup', 'msub',
  'msubsup', 'mfrac', 'msqrt', 'mroot', 'mover', 'munder', 'munderover', 'mtable', 'mtr', 'mtd',
  'mlabeledtr', 'mstyle', 'mpadded', 'mphantom', 'menclose', 'mglyph',
];
const ATTRIBUTES = [
  // HTML
  'class', 'href', 'rel', 'type', 'start', 'title', 'aria-hidden', 'aria-label',
  'data-kstyle', 'data-code-copy', 'data-external',
  // SVG
  'width', 'height', 'viewBox', 'preserveAspectRatio', 'd', 'x1', 'y1', 'x2', 'y2', 'stroke-width',
  // MathML
  'accent', 'accentunder', 'columnalign', 'columnlines', 'columnspacing', 'depth', 'display',
  'displaystyle', 'encoding', 'fence', 'largeop', 'linebreak', 'linethickness', 'lspace', 'mathbackground',
  'mathcolor', 'mathsize', 'mathvariant', 'maxsize', 'minsize', 'movablelimits', 'notation', 'rowlines',
  'rowspacing', 'rspace', 'scriptlevel', 'separator', 'stretchy', 'symmetric', 'voffset',
];

const purify = DOMPurify(window);

purify.addHook('uponSanitizeAttribute', (_node, data) => {
  if (data.attrName !== 'data-kstyle') return;
  data.attrValue = safeStyle(data.attrValue);
  if (data.attrValue === '') data.keepAttr = false;
});

purify.addHook('afterSanitizeAttributes', (node) => {
  if (!(node instanceof Element)) return;
  // Only our anchors keep a link, and never one that opens a window.
  if (node.hasAttribute('href') && node.localName !== 'a') node.removeAttribute('href');
  if (node.localName === 'a') node.setAttribute('rel', 'noopener noreferrer');
  if (node.localName === 'button') node.setAttribute('type', 'button');
});

const CONFIG: Config & { RETURN_DOM_FRAGMENT: true } = {
  ALLOWED_TAGS: [...HTML_TAGS, ...SVG_TAGS, ...MATHML_TAGS],
  ALLOWED_ATTR: ATTRIBUTES,
  // DOMPurify holds every other attribute to ALLOWED_URI_REGEXP; only href is a URL here.
  ADD_URI_SAFE_ATTR: ATTRIBUTES.filter((name) => name !== 'href'),
  ALLOW_DATA_ATTR: false,
  ALLOW_UNKNOWN_PROTOCOLS: false,
  ALLOWED_URI_REGEXP: /^https?:\/\//i,
  RETURN_DOM_FRAGMENT: true,
};

/**
 * Sanitizes renderer output into a fragment of this document. Inline styles
 * become `data-kstyle` first, so none is ever parsed as an attribute.
 */
export function sanitize(html: string): DocumentFragment {
  return purify.sanitize(html.replace(/ style="/g, ' data-kstyle="'), CONFIG);
}
