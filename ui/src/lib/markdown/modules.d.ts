// Types for the two JavaScript modules the Markdown renderer imports that
// ship none. (Library typings, not wire types: nothing here crosses to Rust.)

declare module 'highlight.js/lib/languages/*' {
  import type { LanguageFn } from 'highlight.js';
  const language: LanguageFn;
  export default language;
}

declare module 'markdown-it-texmath' {
  import type { MarkdownIt } from 'markdown-it';
  interface TexmathOptions {
    engine: { renderToString(tex: string, options?: object): string };
    delimiters?: string | string[];
    katexOptions?: object;
  }
  const texmath: (md: MarkdownIt, options: TexmathOptions) => void;
  export default texmath;
}
