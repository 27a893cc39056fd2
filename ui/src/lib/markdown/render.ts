// Assistant replies from Markdown to DOM: markdown-it (raw HTML off, GFM
// tables and strikethrough, bare URLs linked), KaTeX math through
// markdown-it-texmath (`$…$`, `$$…$$`, `\(…\)`, `\[…\]`; `trust: false`, so
// \href, \url, \includegraphics and \html… render as plain text),
// highlight.js for code, then DOMPurify (sanitize.ts) over the result.
// Loaded lazily (loader.svelte.ts): KaTeX and highlight.js stay out of the
// startup path. Each chunk of a reply (blocks.ts) is rendered once and kept
// in a small cache, so finished messages and the finished part of a
// streaming one cost nothing to show again.
import katex from 'katex';
import 'katex/dist/katex.min.css';
import MarkdownIt from 'markdown-it';
import type { Token } from 'markdown-it';
import texmath from 'markdown-it-texmath';
import { splitBlocks } from './blocks';
import { highlight } from './highlight';
import { externalUrl } from './links';
import { sanitize } from './sanitize';

export { applyStyles } from './styles';

/** One rendered chunk: sanitized nodes to clone into the page (never insert the original). */
export interface Block {
  readonly source: string;
  readonly fragment: DocumentFragment;
}

const KATEX_OPTIONS = {
  throwOnError: false,
  trust: false,
  strict: 'ignore',
  output: 'htmlAndMathml',
  // Bounds on what a hostile formula can make KaTeX do or draw.
  maxSize: 20,
  maxExpand: 300,
} as const;

// `breaks`: a reply's single line breaks are kept, as people (and models) mean them.
const md = new MarkdownIt({ html: false, linkify: true, typographer: false, breaks: true });
md.linkify.set({ fuzzyEmail: false });
md.use(texmath, { engine: katex, delimiters: ['dollars', 'brackets'], katexOptions: { ...KATEX_OPTIONS } });

const escapeHtml = md.utils.escapeHtml;
const rules = md.renderer.rules;

function math(tex: string, displayMode: boolean): string {
  try {
    return katex.renderToString(tex, { ...KATEX_OPTIONS, displayMode });
  } catch {
    return `<code>${escapeHtml(tex)}</code>`;
  }
}

rules['math_inline'] = (tokens, idx) => `<span class="math-inline">${math(tokens[idx]!.content, false)}</span>`;
rules['math_inline_double'] = (tokens, idx) => `<span class="math-display">${math(tokens[idx]!.content, true)}</span>`;
rules['math_block'] = (tokens, idx) => `<div class="math-block">${math(tokens[idx]!.content, true)}</div>\n`;
rules['math_block_eqno'] = (tokens, idx) =>
  `<div class="math-block">${math(tokens[idx]!.content, true)}<span class="math-eqno">(${escapeHtml(tokens[idx]!.info)})</span></div>\n`;

/** The fence's language if it looks like one (`ts`, `c++`, `objective-c`...), lowercased; else ''. */
export function languageOf(info: string): string {
  const word = info.trim().split(/\s+/, 1)[0] ?? '';
  return /^[\w+#.-]{1,32}$/.test(word) ? word.toLowerCase() : '';
}

function codeBlock(code: string, language: string): string {
  const body = highlight(code, language) ?? escapeHtml(code);
  const label = language === '' ? '' : `<span class="code-lang">${escapeHtml(language)}</span>`;
  return (
    `<div class="code-block"><div class="code-head">${label}` +
    `<button type="button" class="code-copy" data-code-copy=""></button></div>` +
    `<pre><code class="hljs">${body}</code></pre></div>\n`
  );
}

rules.fence = (tokens, idx) => codeBlock(tokens[idx]!.content, languageOf(tokens[idx]!.info));
rules.code_block = (tokens, idx) => codeBlock(tokens[idx]!.content, '');
rules.table_open = () => '<div class="table-wrap"><table>\n';
rules.table_close = () => '</table></div>\n';

function closingLink(tokens: Token[], from: number): Token | undefined {
  for (let i = from + 1; i < tokens.length; i++) if (tokens[i]!.type === 'link_close') return tokens[i];
  return undefined;
}

// Links: only absolute http(s) stay links (opened after a confirmation, see
// Markdown.svelte); any other target keeps its text and loses the link.
rules.link_open = (tokens, idx) => {
  const href = externalUrl(String(tokens[idx]!.attrGet('href') ?? ''));
  if (href === null) {
    const close = closingLink(tokens, idx);
    if (close) close.meta = { ...close.meta, blocked: true };
    return '<span class="link-blocked">';
  }
  return `<a href="${escapeHtml(href)}" class="ext-link" data-external="">`;
};
rules.link_close = (tokens, idx) => (tokens[idx]!.meta?.['blocked'] === true ? '</span>' : '</a>');

// Images are never fetched (they could track or leak the conversation):
// their description is shown instead, with the address as a tooltip.
rules.image = (tokens, idx, options, env, self) => {
  const token = tokens[idx]!;
  const alt = self.renderInlineAsText(token.children ?? [], options, env);
  const src = externalUrl(String(token.attrGet('src') ?? ''));
  const title = src === null ? '' : ` title="${escapeHtml(src)}"`;
  return `<span class="md-image"${title}>${escapeHtml(alt || src || '')}</span>`;
};

const CACHE_LIMIT = 500;
const cache = new Map<string, Block>();

/** Sanitized nodes for `source`, without the blank text markdown-it leaves around blocks. */
function build(source: string): DocumentFragment {
  const fragment = sanitize(md.render(source));
  const blank = (node: ChildNode | null) => node?.nodeType === Node.TEXT_NODE && node.textContent?.trim() === '';
  while (blank(fragment.firstChild)) fragment.firstChild!.remove();
  while (blank(fragment.lastChild)) fragment.lastChild!.remove();
  return fragment;
}

/** One chunk, from the cache when it was rendered before. */
export function renderBlock(source: string): Block {
  const cached = cache.get(source);
  if (cached) {
    // Least recently used goes first.
    cache.delete(source);
    cache.set(source, cached);
    return cached;
  }
  const block: Block = { source, fragment: build(source) };
  cache.set(source, block);
  if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  return block;
}

/** A whole reply as chunks; unchanged chunks are the same objects as last time. */
export function renderBlocks(source: string): Block[] {
  return splitBlocks(source).map(renderBlock);
}

/** A whole reply as one fragment, without the cache (tests, and anything one-off). */
export function renderMarkdown(source: string): DocumentFragment {
  return build(source);
}
