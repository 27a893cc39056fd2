// Inline styles for rendered Markdown without style attributes: KaTeX's
// layout and GFM table alignment arrive as `data-kstyle` (see sanitize.ts),
// are filtered here to a few layout properties with plain values, and are
// applied through the CSSOM, which the CSP (`style-src 'self'`) allows.
// Kept apart from the renderer so the page applies styles without loading it.

const LENGTH = /^-?(\d+(\.\d+)?|\.\d+)(em|ex|px|pt|%)?( -?(\d+(\.\d+)?|\.\d+)(em|ex|px|pt|%)?){0,3}$/;
const COLOR = /^(#[0-9a-f]{3,8}|[a-z]{3,20})$/i;
const BORDER_STYLE = /^(solid|dashed|dotted)$/;

/** The properties KaTeX and table alignment set inline, and what their values may look like. */
const RULES: Record<string, RegExp> = {
  'background-color': COLOR,
  'border-color': COLOR,
  color: COLOR,
  'border-bottom-width': LENGTH,
  'border-right-width': LENGTH,
  'border-top-width': LENGTH,
  'border-width': LENGTH,
  'border-style': BORDER_STYLE,
  'border-right-style': BORDER_STYLE,
  bottom: LENGTH,
  height: LENGTH,
  left: LENGTH,
  margin: LENGTH,
  'margin-left': LENGTH,
  'margin-right': LENGTH,
  'margin-top': LENGTH,
  'min-width': LENGTH,
  'padding-left': LENGTH,
  position: /^relative$/,
  'text-align': /^(left|right|center)$/,
  'text-shadow': LENGTH,
  top: LENGTH,
  'vertical-align': LENGTH,
  width: LENGTH,
};

/** Parses `a: b; c: d` into the allowed [property, value] pairs; anything else is dropped. */
export function parseStyle(style: string): [string, string][] {
  const pairs: [string, string][] = [];
  for (const declaration of style.split(';')) {
    const colon = declaration.indexOf(':');
    if (colon < 0) continue;
    const property = declaration.slice(0, colon).trim().toLowerCase();
    const value = declaration.slice(colon + 1).trim();
    const rule = Object.prototype.hasOwnProperty.call(RULES, property) ? RULES[property] : undefined;
    if (rule && value.length <= 64 && rule.test(value)) pairs.push([property, value]);
  }
  return pairs;
}

/** The allowed part of a style, in the same `a:b;c:d` form ('' when nothing is left). */
export function safeStyle(style: string): string {
  return parseStyle(style)
    .map(([property, value]) => `${property}:${value}`)
    .join(';');
}

/** Applies the filtered `data-kstyle` of every element under `root` through the CSSOM. */
export function applyStyles(root: ParentNode): void {
  for (const element of root.querySelectorAll<HTMLElement | SVGElement>('[data-kstyle]')) {
    for (const [property, value] of parseStyle(element.getAttribute('data-kstyle') ?? '')) {
      element.style.setProperty(property, value);
    }
  }
}
