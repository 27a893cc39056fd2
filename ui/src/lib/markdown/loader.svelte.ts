// Loads the Markdown renderer (markdown-it, KaTeX, highlight.js, DOMPurify)
// on first need, as its own chunk. Until it is there, replies show as plain
// text; `markdown.renderer` is reactive, so they re-render when it lands.
import { shared } from '../shared';
import type * as Renderer from './render';

export type MarkdownRenderer = typeof Renderer;

let current = $state.raw<MarkdownRenderer | null>(null);

export const markdown = {
  get renderer(): MarkdownRenderer | null {
    return current;
  },
};

/** Starts loading (once); resolves with the renderer. A failed load is retried on the next call. */
export const loadMarkdown: () => Promise<MarkdownRenderer> = shared(() =>
  import('./render').then((module) => (current = module)),
);
