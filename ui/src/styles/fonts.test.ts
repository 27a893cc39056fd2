// The bundled UI font is only fast if index.html preloads the file the first
// screen draws with: the file its style sheet declares for Latin, in the
// family theme.css asks for, covering every character of the UI's own text.
// A package update that renames a file or the family, or a catalogue string
// outside that file's range, fails here instead of slowing the launch by a
// second font load or a system font search (BENCHMARKS.md).
import { describe, expect, it } from 'vitest';
import { catalogues, LOCALES } from '../lib/i18n';

// Read with Node's fs: Vitest hands CSS to its own pipeline, which gives a
// `?raw` style sheet back empty. The UI's tsconfig has no Node types, hence
// the non-literal specifier and the narrow type.
type NodeFs = { readFileSync(path: string, encoding: 'utf8'): string };
const fs = (await import(/* @vite-ignore */ 'node:fs' as string)) as NodeFs;
const here = import.meta.url; // not inline: Vite would rewrite `new URL(..., import.meta.url)`
const read = (path: string) => fs.readFileSync(decodeURIComponent(new URL(path, here).pathname), 'utf8');
const indexHtml = read('../../index.html');
const interCss = read('../../node_modules/@fontsource-variable/inter/index.css');
const themeCss = read('./theme.css');

const PACKAGE_FILES = '/node_modules/@fontsource-variable/inter/files/';

interface FontFace {
  family: string;
  file: string;
  ranges: Array<[number, number]>;
}

function fontFaces(css: string): FontFace[] {
  return [...css.matchAll(/@font-face\s*{([^}]*)}/g)].map(([, body = '']) => {
    const family = /font-family:\s*'([^']+)'/.exec(body)?.[1] ?? '';
    const file = /url\(\.\/files\/([^)]+)\)/.exec(body)?.[1] ?? '';
    const rangeList = /unicode-range:\s*([^;]+);/.exec(body)?.[1] ?? '';
    const ranges = rangeList.split(',').map((range): [number, number] => {
      const [from = '', to = from] = range.trim().replace(/^U\+/i, '').split('-');
      return [parseInt(from, 16), parseInt(to, 16)];
    });
    return { family, file, ranges };
  });
}

function preloadedFile(html: string): string {
  const link = /<link\s[^>]*rel="preload"[^>]*>/s.exec(html)?.[0] ?? '';
  const href = /href="([^"]+)"/.exec(link)?.[1] ?? '';
  expect(href.startsWith(PACKAGE_FILES), `preload href ${href}`).toBe(true);
  return href.slice(PACKAGE_FILES.length);
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

describe('the bundled UI font', () => {
  const faces = fontFaces(interCss);
  const preloaded = faces.find((face) => face.file === preloadedFile(indexHtml));

  it('preloads a file the font style sheet declares', () => {
    expect(faces.length).toBeGreaterThan(1);
    expect(preloaded, `no @font-face uses ${preloadedFile(indexHtml)}`).toBeDefined();
  });

  it('is the first family of the UI font stack', () => {
    const stack = /--font-sans:\s*([^;]+);/.exec(themeCss)?.[1] ?? '';
    expect(stack.split(',')[0]?.trim()).toBe(`'${preloaded?.family}'`);
  });

  it.each(LOCALES)('covers every character of the %s catalogue', (locale) => {
    const text = strings(catalogues[locale]).join('');
    const outside = [...new Set(text)].filter((char) => {
      const code = char.codePointAt(0) ?? 0;
      return !preloaded?.ranges.some(([from, to]) => code >= from && code <= to);
    });
    expect(outside).toEqual([]);
  });
});
