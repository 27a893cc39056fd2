// What the Markdown renderer makes of ordinary replies: GFM tables with
// their alignment, fenced code with a language label, highlighting and a
// copy button, KaTeX inline and display math, strikethrough, bare http(s)
// URLs as links, images shown as their description, line breaks; half-written
// (streaming) replies; `languageOf`; the chunking and cache that keep
// streaming cheap; the style filter; and the code copy button in Markdown.svelte.
import { fireEvent, render } from '@testing-library/svelte';
import { tick } from 'svelte';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import Markdown from '../components/chat/Markdown.svelte';
import { splitBlocks } from './blocks';
import { loadMarkdown } from './loader.svelte';
import { languageOf, renderBlocks, renderMarkdown } from './render';
import { applyStyles, parseStyle, safeStyle } from './styles';

/** The rendered nodes in a detached element, to query. */
function html(source: string): HTMLElement {
  const host = document.createElement('div');
  host.append(renderMarkdown(source));
  return host;
}

beforeAll(async () => {
  await loadMarkdown();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('renderMarkdown', () => {
  it('renders a GFM table, in a scrollable wrapper, with its column alignment', () => {
    const root = html('| Plan | Tokens |\n|:-----|-------:|\n| Free | 50,000 |\n| Pro | 2,000,000 |');
    const table = root.querySelector('.table-wrap > table')!;
    expect(table).not.toBeNull();
    expect(Array.from(table.querySelectorAll('th')).map((th) => th.textContent)).toEqual(['Plan', 'Tokens']);
    expect(table.querySelectorAll('tbody tr')).toHaveLength(2);
    // Alignment travels as data-kstyle (no style attribute under the CSP).
    const cell = table.querySelector('tbody td:last-child')!;
    expect(cell.getAttribute('style')).toBeNull();
    expect(cell.getAttribute('data-kstyle')).toBe('text-align:right');
  });

  it('labels fenced code with its language, highlights it and adds a copy button', () => {
    const root = html('```TypeScript\nconst greeting: string = "bonjour";\n```');
    const block = root.querySelector('.code-block')!;
    expect(block.querySelector('.code-lang')?.textContent).toBe('typescript');
    const copy = block.querySelector('button[data-code-copy]')!;
    expect(copy.getAttribute('type')).toBe('button');
    const code = block.querySelector('pre > code.hljs')!;
    expect(code.textContent).toBe('const greeting: string = "bonjour";\n');
    expect(code.querySelector('.hljs-keyword')?.textContent).toBe('const');
  });

  it('shows code in an unknown language, or none, as plain escaped text', () => {
    const unknown = html('```brainfuck\n<b>++</b>\n```');
    expect(unknown.querySelector('.code-lang')?.textContent).toBe('brainfuck');
    expect(unknown.querySelector('code')!.textContent).toBe('<b>++</b>\n');
    expect(unknown.querySelector('code b')).toBeNull();
    const bare = html('```\nplain\n```');
    expect(bare.querySelector('.code-lang')).toBeNull();
    expect(bare.querySelector('button[data-code-copy]')).not.toBeNull();
  });

  it('renders inline $…$ and display $$…$$ math with KaTeX', () => {
    const inline = html('Einstein: $E = mc^2$ and $x^2$.');
    const spans = inline.querySelectorAll('.math-inline .katex');
    expect(spans).toHaveLength(2);
    expect(inline.querySelector('annotation')?.textContent).toBe('E = mc^2');
    // KaTeX also writes MathML, for screen readers.
    expect(inline.querySelector('.katex math msup')).not.toBeNull();

    const block = html('$$\n\\int_0^1 x^2\\,dx = \\frac{1}{3}\n$$');
    expect(block.querySelector('.math-block .katex-display .katex')).not.toBeNull();
    expect(block.querySelector('.katex-display math')?.getAttribute('display')).toBe('block');
  });

  it('renders \\(…\\) and a \\[…\\] block as math', () => {
    expect(html('Inline \\(a+b\\) here').querySelector('.math-inline .katex')).not.toBeNull();
    expect(html('\\[\na+b\n\\]').querySelector('.math-block .katex-display')).not.toBeNull();
  });

  it('leaves prices alone and shows a bad formula as KaTeX error text, without throwing', () => {
    const prices = html('It costs $5 and $10.');
    expect(prices.querySelector('.katex')).toBeNull();
    expect(prices.textContent).toBe('It costs $5 and $10.');
    const bad = html('$\\frac{1}{$');
    expect(bad.textContent).toContain('\\frac{1}{');
  });

  it('renders strikethrough', () => {
    const root = html('Not ~~this~~ but that');
    expect(root.querySelector('s')?.textContent).toBe('this');
  });

  it('turns a bare http(s) URL into an external link', () => {
    const root = html('Docs at https://tauri.app/start?x=1 and http://example.org.');
    const links = Array.from(root.querySelectorAll('a'));
    expect(links.map((a) => a.getAttribute('href'))).toEqual(['https://tauri.app/start?x=1', 'http://example.org/']);
    for (const link of links) {
      expect(link.classList.contains('ext-link')).toBe(true);
      expect(link.getAttribute('rel')).toBe('noopener noreferrer');
      expect(link.hasAttribute('target')).toBe(false);
    }
  });

  it('does not link file names or e-mail addresses that only look like hosts', () => {
    const root = html('Edit main.rs and setup.py, then write to ada@example.com');
    expect(root.querySelector('a')).toBeNull();
  });

  it('keeps a Markdown link to http(s), and only the text of any other', () => {
    const root = html('[site](https://example.com) and [mail](mailto:a@example.com)');
    expect(root.querySelector('a')?.getAttribute('href')).toBe('https://example.com/');
    const blocked = root.querySelector('.link-blocked');
    expect(blocked?.textContent).toBe('mail');
    expect(blocked?.hasAttribute('href')).toBe(false);
  });

  it('shows an image as its description, never loading it', () => {
    const root = html('![A cat](https://example.com/cat.png)');
    expect(root.querySelector('img')).toBeNull();
    const image = root.querySelector('.md-image')!;
    expect(image.textContent).toBe('A cat');
    expect(image.getAttribute('title')).toBe('https://example.com/cat.png');
  });

  it('keeps single line breaks and shows raw HTML as text', () => {
    const root = html('line one\nline <b>two</b>');
    expect(root.querySelectorAll('p br')).toHaveLength(1);
    expect(root.querySelector('b')).toBeNull();
    expect(root.textContent).toBe('line one\nline <b>two</b>');
  });

  it('drops the blank text markdown-it leaves around blocks', () => {
    const fragment = renderMarkdown('# Title\n\nBody\n');
    expect(fragment.firstChild?.nodeName).toBe('H1');
    expect(fragment.lastChild?.nodeName).toBe('P');
  });
});

describe('a half-written reply', () => {
  it.each([
    ['an unclosed code fence', '```python\ndef f(x):\n    return x *', 'pre code'],
    ['an unclosed display formula', 'So:\n\n$$\n\\int_0^', 'p'],
    ['an unclosed inline formula', 'We get $x^', 'p'],
    ['a table with only its header', '| a | b |\n|---|', 'p'],
    ['an unclosed link', 'See [the docs](https://exa', 'p'],
    ['an unclosed list and emphasis', '- one\n- **two', 'li'],
  ])('renders %s without throwing', (_what, source, selector) => {
    let root: HTMLElement | undefined;
    expect(() => (root = html(source))).not.toThrow();
    expect(root!.querySelector(selector)).not.toBeNull();
  });

  it('shows the code received so far in an unclosed fence, with its label', () => {
    const root = html('```js\nconsole.log("he');
    expect(root.querySelector('.code-lang')?.textContent).toBe('js');
    expect(root.querySelector('code')?.textContent).toBe('console.log("he');
  });
});

describe('languageOf', () => {
  it.each([
    ['ts', 'ts'],
    ['  Python  ', 'python'],
    ['rust ignore', 'rust'],
    ['c++', 'c++'],
    ['C#', 'c#'],
    ['objective-c', 'objective-c'],
    ['.env', '.env'],
    ['', ''],
    ['   ', ''],
    ['{.python}', ''],
    ['"><img', ''],
    ['js"onclick', ''],
    ['a'.repeat(32), 'a'.repeat(32)],
    ['a'.repeat(33), ''],
  ])('%j → %j', (info, expected) => {
    expect(languageOf(info)).toBe(expected);
  });
});

describe('chunks and cache', () => {
  it('splits at blank lines, but not inside a fence or display math, nor before an indented line', () => {
    expect(splitBlocks('a\n\n```\nx\n\ny\n```\n\n$$\nm\n\nn\n$$\n\n> quote\n\n  more\n\nb')).toEqual([
      'a',
      '```\nx\n\ny\n```',
      '$$\nm\n\nn\n$$',
      '> quote\n\n  more',
      'b',
    ]);
  });

  it('keeps a text with a reference definition whole, so the link resolves', () => {
    const source = 'See [the docs][d].\n\n[d]: https://example.com/docs';
    expect(splitBlocks(source)).toEqual([source]);
    const [block] = renderBlocks(source);
    const host = document.createElement('div');
    host.append(block!.fragment.cloneNode(true));
    expect(host.querySelector('a')?.getAttribute('href')).toBe('https://example.com/docs');
  });

  it('gives back the same chunk objects for the unchanged start of a growing reply', () => {
    const first = renderBlocks('Intro paragraph.\n\n```ts\nlet a = 1;\n```\n\nAnd then');
    const next = renderBlocks('Intro paragraph.\n\n```ts\nlet a = 1;\n```\n\nAnd then more text');
    expect(next).toHaveLength(3);
    expect(next[0]).toBe(first[0]);
    expect(next[1]).toBe(first[1]);
    expect(next[2]).not.toBe(first[2]);
  });

  it('keeps the items of a loose list (blank lines between them) in one chunk', () => {
    expect(splitBlocks('Steps:\n\n1. one\n\n2. two\n\n3. three\n\nDone.')).toEqual([
      'Steps:\n\n1. one\n\n2. two\n\n3. three',
      'Done.',
    ]);
    expect(splitBlocks('- a\n\n- b\n\n* c')).toEqual(['- a\n\n- b\n\n* c']);
  });

  // The chunks exist only to re-render less while streaming: shown one
  // after the other, they must give exactly what the whole text gives.
  it.each([
    ['headings, math, a table and code', '# T\n\nText with $x$.\n\n| a |\n|---|\n| 1 |\n\n```js\nx\n```'],
    ['a loose ordered list', '1. one\n\n2. two\n\n3. three'],
    ['a loose bullet list', '- a\n\n- b'],
    ['a list item with a second paragraph', '- a\n\n  b\n\n- c'],
    ['a list interrupted by a paragraph', '1. a\n\nText\n\n2. b'],
    ['blockquotes and a rule', '> q\n\n> r\n\n---\n\nx'],
    ['a fence with blank lines', 'Code:\n\n```py\na = 1\n\n\nb = 2\n```\n\nAfter.'],
    ['display math with blank lines', '$$\na\n\nb\n$$\n\ntext'],
  ])('renders %s the same chunk by chunk as at once', (_what, source) => {
    const joined = document.createElement('div');
    for (const block of renderBlocks(source)) joined.append(block.fragment.cloneNode(true));
    expect(joined.innerHTML.replace(/\n/g, '')).toBe(html(source).innerHTML.replace(/\n/g, ''));
  });
});

describe('styles', () => {
  it('keeps only layout properties with plain values', () => {
    expect(parseStyle('height:1em; vertical-align:-0.25em')).toEqual([
      ['height', '1em'],
      ['vertical-align', '-0.25em'],
    ]);
    expect(safeStyle('position:fixed;top:0')).toBe('top:0');
    expect(safeStyle('background:url(https://evil.example/x)')).toBe('');
    expect(safeStyle('color:expression(alert(1))')).toBe('');
    expect(safeStyle('width:calc(100vw)')).toBe('');
    expect(safeStyle('color:#cc0000;COLOR:red')).toBe('color:#cc0000;color:red');
    expect(safeStyle('__proto__:1em;constructor:1em')).toBe('');
  });

  it('applies the filtered styles through the CSSOM', () => {
    const host = html('| a |\n|:-:|\n| 1 |');
    applyStyles(host);
    const cell = host.querySelector('td') as HTMLElement;
    expect(cell.style.textAlign).toBe('center');
  });
});

describe('Markdown.svelte', () => {
  it('renders a finished reply with labelled copy buttons and applied styles', () => {
    const view = render(Markdown, { props: { source: '```sh\nls -la\n```\n\n| n |\n|--:|\n| 1 |' } });
    const root = view.getByTestId('markdown');
    const button = root.querySelector<HTMLButtonElement>('[data-code-copy]')!;
    expect(button.textContent).toBe('Copy');
    expect(button.getAttribute('aria-label')).toBe('Copy code');
    expect((root.querySelector('td') as HTMLElement).style.textAlign).toBe('right');
  });

  it('copies a code block, says so, then goes back', async () => {
    const writeText = vi.fn<(text: string) => Promise<void>>().mockResolvedValue(undefined);
    vi.stubGlobal('navigator', { ...navigator, clipboard: { writeText } });
    vi.useFakeTimers();
    const view = render(Markdown, { props: { source: 'Run:\n\n```sh\necho "hi" && ls\n```' } });
    const button = view.getByTestId('markdown').querySelector<HTMLButtonElement>('[data-code-copy]')!;
    await fireEvent.click(button);
    await vi.advanceTimersByTimeAsync(0);
    expect(writeText).toHaveBeenCalledWith('echo "hi" && ls\n');
    expect(button.textContent).toBe('Copied');
    expect(button.dataset['copied']).toBe('true');
    await vi.advanceTimersByTimeAsync(1500);
    expect(button.textContent).toBe('Copy');
    expect(button.dataset['copied']).toBeUndefined();
  });

  it('renders a streaming reply once per frame, keeping the DOM of its finished chunks', async () => {
    vi.useFakeTimers();
    const view = render(Markdown, { props: { source: 'First paragraph.\n\nSec', streaming: true } });
    const root = view.getByTestId('markdown');
    // Before the first frame it shows the text as it is.
    expect(root.querySelector('.plain')?.textContent).toBe('First paragraph.\n\nSec');
    vi.advanceTimersToNextFrame();
    await tick();
    const chunks = root.querySelectorAll('.chunk');
    expect(chunks).toHaveLength(2);
    const firstParagraph = chunks[0]!.firstElementChild;
    expect(firstParagraph?.textContent).toBe('First paragraph.');

    await view.rerender({ source: 'First paragraph.\n\nSecond **para**graph.', streaming: true });
    // Nothing changes until the next frame.
    expect(root.querySelectorAll('.chunk')[1]!.textContent).toBe('Sec');
    vi.advanceTimersToNextFrame();
    await tick();
    expect(root.querySelectorAll('.chunk')[1]!.querySelector('strong')?.textContent).toBe('para');
    // The finished chunk was not rendered or inserted again.
    expect(root.querySelectorAll('.chunk')[0]!.firstElementChild).toBe(firstParagraph);

    await view.rerender({ source: 'First paragraph.\n\nSecond **para**graph.', streaming: false });
    expect(root.querySelectorAll('.chunk')).toHaveLength(2);
    expect(root.textContent).toBe('First paragraph.Second paragraph.');
  });
});
