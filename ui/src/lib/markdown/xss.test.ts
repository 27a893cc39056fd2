// Hostile assistant output: a corpus of XSS payloads (raw HTML, dangerous
// link schemes in every Markdown link form, KaTeX commands that emit links,
// styles or HTML, mutation-XSS classics, fence info strings, table cells...)
// goes through the real renderer (renderMarkdown) and through the real
// Markdown.svelte component, finished and streaming. Nothing that can run
// script, load a resource, submit, restyle the page or navigate may come out,
// and clicking every element must not run anything. Then: a click on a link
// in a reply never navigates; it hands the http(s) URL to `onlink`, and
// nothing for any other kind of link.
import { fireEvent, render } from '@testing-library/svelte';
import { tick } from 'svelte';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import Markdown from '../components/chat/Markdown.svelte';
import { externalUrl } from './links';
import { loadMarkdown } from './loader.svelte';
import { renderMarkdown } from './render';
import { sanitize } from './sanitize';
import { parseStyle } from './styles';

// Vitest runs jsdom with `runScripts: 'dangerously'`: inline handlers,
// <script> elements and javascript: URLs really execute, but in jsdom's own
// global object, not in the test's `window` (a `window.__pwned = 1` from a
// payload would never be seen here). The document is shared, so the canary
// marks the document instead; `top` reaches it from an iframe too. It has no
// quotes, so it fits in any attribute or URL of a payload.
const CANARY = 'top.document.documentElement.dataset.pwned=1';
const JS = `javascript:${CANARY}`;

/** Each payload is something a model could be tricked into writing. */
const PAYLOADS: readonly (readonly [string, string])[] = [
  // Raw HTML (markdown-it has html:false; these must come out as text).
  ['script element', `<script>${CANARY}</script>`],
  ['img onerror', `<img src=x onerror=${CANARY}>`],
  ['svg onload', `<svg onload=${CANARY}><circle r=5 /></svg>`],
  ['iframe javascript src', `<iframe src="${JS}"></iframe>`],
  ['iframe srcdoc', `<iframe srcdoc="<script>${CANARY}</script>"></iframe>`],
  ['object data', `<object data="${JS}"></object>`],
  ['embed src', `<embed src="${JS}">`],
  ['form action', `<form action="${JS}"><button>Continue</button></form>`],
  ['raw anchor', `<a href="${JS}">raw link</a>`],
  ['raw anchor, leading spaces', `<a href="  ${JS}">raw link</a>`],
  ['raw anchor with onclick', `<a href="https://example.com" onclick="${CANARY}">raw link</a>`],
  ['style attribute with expression', `<div style="width:expression(${CANARY});background:url(${JS})">x</div>`],
  ['style element', `<style>*{background:url("${JS}")}</style>`],
  ['details ontoggle', `<details open ontoggle=${CANARY}><summary>x</summary></details>`],
  ['meta refresh', `<meta http-equiv="refresh" content="0;url=${JS}">`],
  ['base href', `<base href="${JS}//">\n\n[relative](/x)`],
  ['template', `<template><img src=x onerror=${CANARY}></template>`],
  ['svg foreignObject', `<svg><foreignObject><iframe src="${JS}"></iframe></foreignObject></svg>`],
  ['svg xlink:href', `<svg><a xlink:href="${JS}"><text y="20">x</text></a></svg>`],
  ['MathML href', `<math href="${JS}"><mi>x</mi></math>`],
  ['MathML annotation-xml', `<math><annotation-xml encoding="text/html"><img src=x onerror=${CANARY}></annotation-xml></math>`],
  ['mXSS noscript', `<noscript><p title="</noscript><img src=x onerror=${CANARY}>">`],
  ['mXSS mglyph/style', `<math><mtext><table><mglyph><style><img src=x onerror=${CANARY}>`],
  ['mXSS svg/style', `<svg></p><style><a id="</style><img src=1 onerror=${CANARY}>">`],
  ['mXSS form/math', `<form><math><mtext></form><form><mglyph><style></math><img src onerror=${CANARY}>`],
  ['HTML in a blockquote and a list', `> <img src=x onerror=${CANARY}>\n\n- <svg onload=${CANARY}>`],
  ['HTML in inline code', `\`<img src=x onerror=${CANARY}>\``],
  ['unclosed tag (a cut-off stream)', `text <img src=x onerror=${CANARY}`],
  // Markdown links to dangerous schemes, in every form.
  ['inline link javascript:', `[click me](${JS})`],
  ['autolink javascript:', `<${JS}>`],
  ['reference link javascript:', `[click me][evil]\n\n[evil]: ${JS}`],
  ['reference link with title', `[click me][evil]\n\n[evil]: ${JS} "title"`],
  ['data: link', `[click me](data:text/html;base64,PHNjcmlwdD50b3AuZG9jdW1lbnQuZG9jdW1lbnRFbGVtZW50LmRhdGFzZXQucHduZWQ9MTwvc2NyaXB0Pg==)`],
  ['data: autolink', `<data:text/html,<script>${CANARY}</script>>`],
  ['vbscript: link', `[click me](vbscript:msgbox(1))`],
  ['file: link', `[passwords](file:///etc/passwd)`],
  ['decimal-entity javascript:', `[click me](&#106;&#97;vascript:${CANARY})`],
  ['hex-entity javascript:', `[click me](&#x6A;&#x61;&#x76;ascript:${CANARY})`],
  ['entity tab inside javascript:', `[click me](java&#x09;script:${CANARY})`],
  ['entity colon javascript:', `[click me](javascript&colon;${CANARY})`],
  ['percent-encoded javascript:', `[click me](%6Aavascript:${CANARY})`],
  ['case-mangled javascript:', `[click me](JaVaScRiPt:${CANARY})`],
  ['leading whitespace javascript:', `[click me]( \t${JS})`],
  ['angle-bracket destination', `[click me](<${JS}>)`],
  ['link title breaking out of quotes', `[click me](https://example.com "a\\" onmouseover=\\"${CANARY}")`],
  ['link title with single quotes', `[click me](https://example.com 'x\\' onclick=\\'${CANARY}')`],
  ['URL with credentials', `[bank](https://bank.example@evil.example/login)`],
  ['autolink breaking out of href', `<https://example.com/"onmouseover="${CANARY}>`],
  ['bare URL breaking out of href', `https://example.com/"onmouseover="${CANARY}"x`],
  ['link text with HTML', `[<img src=x onerror=${CANARY}>](https://example.com)`],
  // Images: never fetched; alt and title must stay text.
  ['image with onerror in the title', `![photo](https://example.com/x.png "\\" onerror=\\"${CANARY}")`],
  ['image with onerror in the alt', `![x" onerror="${CANARY}](https://example.com/x.png)`],
  ['image with javascript: src', `![photo](${JS})`],
  // KaTeX: trust is off, so these must render as plain (error) text.
  ['KaTeX \\href', `$\\href{${JS}}{click me}$`],
  ['KaTeX \\href in display math', `$$\\href{${JS}}{click me}$$`],
  ['KaTeX \\href in \\[ \\] math', `\\[\\href{${JS}}{click me}\\]`],
  ['KaTeX \\href through \\def', `$\\def\\x{\\href{${JS}}{y}}\\x$`],
  ['KaTeX \\url', `$\\url{${JS}}$`],
  ['KaTeX \\htmlClass', `$\\htmlClass{x" onclick="${CANARY}}{y}$`],
  ['KaTeX \\htmlId (DOM clobbering)', `$\\htmlId{__proto__}{y}$ $\\htmlId{pwned}{z}$`],
  ['KaTeX \\htmlStyle', `$\\htmlStyle{position:fixed;inset:0;background:url(${JS})}{y}$`],
  ['KaTeX \\htmlData', `$\\htmlData{onclick=${CANARY}}{y}$`],
  ['KaTeX \\includegraphics', `$$\\includegraphics{https://evil.example/track.png}$$`],
  ['KaTeX \\text with HTML', `$$\\text{<img src=x onerror=${CANARY}>}$$`],
  ['KaTeX closing its annotation', `$x</annotation></semantics></math><img src=x onerror=${CANARY}>$`],
  ['KaTeX \\color injection', `$\\color{red;background:url(${JS})}{x}$`],
  ['KaTeX equation number with HTML', `$$x$$ (<img src=x onerror=${CANARY}>)`],
  // Code fences: the info string becomes a label; the body stays text.
  ['fence info string with HTML', `\`\`\`"><img src=x onerror=${CANARY}>\ncode\n\`\`\``],
  ['fence info string with quotes', `\`\`\`js" onclick="${CANARY}\nlet x = 1;\n\`\`\``],
  ['fence body with a script', `\`\`\`html\n<script>${CANARY}</script>\n\`\`\``],
  // GFM tables.
  ['table cells with HTML', `| a | b |\n|---|---|\n| <img src=x onerror=${CANARY}> | <iframe src="${JS}"> |`],
  ['table cell with a javascript: link', `| a |\n|---|\n| [x](${JS}) |`],
];

/** Elements that can run script, load something, submit, or restyle the page. */
const FORBIDDEN = new Set(
  [
    'script', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'form', 'input', 'textarea', 'select',
    'img', 'image', 'picture', 'video', 'audio', 'source', 'track', 'style', 'link', 'meta', 'base', 'template',
    'noscript', 'foreignobject', 'annotation-xml', 'details', 'dialog', 'portal', 'use', 'animate', 'set',
  ],
);

/** Attributes that carry a URL to load or submit to, or that clobber DOM globals. */
const URL_OR_CLOBBER = new Set(
  ['src', 'srcset', 'srcdoc', 'action', 'formaction', 'data', 'poster', 'background', 'ping', 'codebase', 'xlink:href', 'http-equiv', 'id', 'name', 'form'],
);

/** Properties an applied style may set (styles.ts), and never an address. */
function styleProblems(element: Element): string[] {
  const applied = element.getAttribute('style');
  if (applied === null) return [];
  // Markdown.svelte applies the filtered `data-kstyle` through the CSSOM,
  // which the CSP allows: a style attribute may appear, with nothing else.
  const allowed = new Map(parseStyle(element.getAttribute('data-kstyle') ?? ''));
  const problems: string[] = [];
  if (/url\(|expression|javascript/i.test(applied)) problems.push(`style with an address: ${applied}`);
  const style = (element as HTMLElement).style;
  for (let i = 0; i < style.length; i++) {
    const property = style.item(i);
    if (!allowed.has(property)) problems.push(`style property ${property} on <${element.localName}>`);
  }
  if (style.getPropertyValue('position') !== '' && style.getPropertyValue('position') !== 'relative') {
    problems.push(`position ${style.getPropertyValue('position')}`);
  }
  return problems;
}

/**
 * Everything wrong with the rendered nodes under `root`. `stylesApplied`:
 * the component applied the filtered styles (else no style attribute at all).
 */
function problemsIn(root: Element, stylesApplied: boolean, strictHref = true): string[] {
  const problems: string[] = [];
  for (const element of root.querySelectorAll('*')) {
    const tag = element.localName.toLowerCase();
    if (FORBIDDEN.has(tag)) problems.push(`<${tag}> element`);
    for (const { name, value } of Array.from(element.attributes)) {
      const lower = name.toLowerCase();
      if (lower.startsWith('on')) problems.push(`${name} on <${tag}>`);
      if (URL_OR_CLOBBER.has(lower)) problems.push(`${name}="${value}" on <${tag}>`);
      if (lower === 'style' && !stylesApplied) problems.push(`style attribute on <${tag}>`);
      if (lower === 'href') {
        if (tag !== 'a') problems.push(`href on <${tag}>`);
        // Absolute http(s), already in the URL parser's normal form (the
        // renderer's links); the sanitizer alone only promises http(s).
        if (strictHref ? externalUrl(value) !== value : !/^https?:\/\//i.test(value)) problems.push(`href="${value}"`);
      }
    }
    if (stylesApplied) problems.push(...styleProblems(element));
  }
  return problems;
}

/** Clicks (and hovers, focuses) every element, to fire any handler or javascript: link there. */
function poke(root: Element): void {
  for (const element of [root, ...root.querySelectorAll('*')]) {
    for (const type of ['mouseover', 'focus', 'click', 'auxclick', 'dblclick']) {
      element.dispatchEvent(new MouseEvent(type, { bubbles: true, cancelable: true, button: type === 'auxclick' ? 1 : 0 }));
    }
  }
}

/**
 * Lets what a poke started run. jsdom follows a javascript: link in two
 * chained zero-delay timers (following the link, then navigating). A fixed
 * 10 ms sleep lost that race when the event loop ran late (a CI run under
 * load): the sleep's timer had expired by the time the first link timer
 * ran, so the canary fired in the next test. Zero-delay timers run in the
 * order they were set, so a longer chain of them always ends after jsdom's.
 */
async function settle(): Promise<void> {
  for (let hop = 0; hop < 4; hop++) await new Promise((resolve) => setTimeout(resolve, 0));
}

function pwned(): boolean {
  return document.documentElement.dataset['pwned'] !== undefined;
}

/** Holds the raw renderer's output in the page, as Markdown.svelte would. */
function insert(fragment: DocumentFragment): HTMLElement {
  const host = document.createElement('div');
  host.append(fragment);
  // A click on a safe http(s) link would make jsdom try to navigate (and
  // log "not implemented"): those are held back. Any other link is left to
  // navigate, so a javascript: one would fire the canary.
  host.addEventListener('click', (event) => {
    const link = event.target instanceof Element ? event.target.closest('a') : null;
    if (link && externalUrl(link.getAttribute('href')) !== null) event.preventDefault();
  });
  document.body.append(host);
  return host;
}

/** A copy of `root` made by serializing and parsing it again, in the page. */
function reparsed(root: Element): HTMLElement {
  const parsed = document.createElement('div');
  parsed.innerHTML = root.innerHTML;
  const fragment = document.createDocumentFragment();
  fragment.append(...parsed.childNodes);
  return insert(fragment);
}

beforeAll(async () => {
  // The component shows plain text until the renderer has loaded; load it first.
  await loadMarkdown();
});

afterEach(() => {
  delete document.documentElement.dataset['pwned'];
  document.body.innerHTML = '';
});

describe('the harness', () => {
  it('has at least 30 distinct payloads', () => {
    expect(PAYLOADS.length).toBeGreaterThanOrEqual(30);
    expect(new Set(PAYLOADS.map(([, source]) => source)).size).toBe(PAYLOADS.length);
    expect(new Set(PAYLOADS.map(([name]) => name)).size).toBe(PAYLOADS.length);
  });

  // Without this, a canary that can never fire would make every test below pass.
  it('notices markup inserted without the sanitizer, and its canary fires', async () => {
    const host = document.createElement('div');
    host.innerHTML = `<a href="${JS}">x</a><div onclick="${CANARY}">y</div><img src=x>`;
    document.body.append(host);
    expect(problemsIn(host, false)).toEqual(
      expect.arrayContaining([`href="${JS}"`, `onclick on <div>`, '<img> element', 'src="x" on <img>']),
    );
    expect(pwned()).toBe(false);
    poke(host);
    await settle();
    expect(pwned()).toBe(true);
  });

  it('notices a javascript: link alone firing the canary when clicked', async () => {
    const host = document.createElement('div');
    host.innerHTML = `<a href="${JS}">x</a>`;
    document.body.append(host);
    host.querySelector('a')!.click();
    await settle();
    expect(pwned()).toBe(true);
  });

  it('notices a style property outside the allow-list', () => {
    const host = document.createElement('div');
    host.innerHTML = '<span data-kstyle="height:1em">x</span>';
    const span = host.firstElementChild as HTMLElement;
    span.style.setProperty('height', '1em');
    expect(problemsIn(host, true)).toEqual([]);
    span.style.setProperty('position', 'fixed');
    expect(problemsIn(host, true)).toContain('style property position on <span>');
  });
});

describe.each(PAYLOADS)('payload: %s', (_name, source) => {
  it('renders inert through renderMarkdown and Markdown.svelte (finished and streaming)', async () => {
    const raw = insert(renderMarkdown(source));
    expect(problemsIn(raw, false), 'renderMarkdown').toEqual([]);
    // Mutation XSS shows when sanitized markup is serialized and parsed again.
    expect(problemsIn(reparsed(raw), false), 'renderMarkdown, reparsed').toEqual([]);

    const onlink = vi.fn<(url: string) => void>();
    const finished = render(Markdown, { props: { source, onlink } });
    const settled = finished.getByTestId('markdown');
    // A finished reply renders at once from the loaded renderer, not as plain text.
    expect(settled.querySelector('.chunk')).not.toBeNull();
    expect(problemsIn(settled, true), 'finished').toEqual([]);

    const live = render(Markdown, { props: { source, streaming: true, onlink } });
    const streaming = live.getAllByTestId('markdown')[1]!;
    // Streaming renders on the next animation frame.
    await vi.waitFor(() => expect(streaming.querySelector('.chunk')).not.toBeNull(), { interval: 5 });
    expect(problemsIn(streaming, true), 'streaming').toEqual([]);

    poke(raw);
    poke(settled);
    poke(streaming);
    await settle();
    expect(pwned()).toBe(false);
    // Whatever was handed over to be opened is an absolute http(s) URL.
    for (const [url] of onlink.mock.calls) expect(externalUrl(url)).toBe(url);
  });
});

describe('the sanitizer alone', () => {
  // markdown-it escapes raw HTML, so the payloads above mostly reach
  // DOMPurify as text. The second line of defence must hold by itself, as
  // if raw HTML ever got through: every payload, straight into sanitize().
  it.each(PAYLOADS)('keeps %s inert as raw HTML', async (_name, source) => {
    const host = insert(sanitize(source));
    expect(problemsIn(host, false, false)).toEqual([]);
    const again = reparsed(host);
    expect(problemsIn(again, false, false), 'reparsed').toEqual([]);
    poke(host);
    poke(again);
    await settle();
    expect(pwned()).toBe(false);
  });

  it('keeps what is safe in raw HTML: a link, without its handler', () => {
    const host = insert(sanitize(`<a href="https://example.com" onclick="${CANARY}" target="_blank">raw link</a><img src=x>`));
    const link = host.querySelector('a')!;
    expect(link.getAttribute('href')).toBe('https://example.com');
    expect(link.hasAttribute('onclick')).toBe(false);
    expect(link.hasAttribute('target')).toBe(false);
    expect(link.getAttribute('rel')).toBe('noopener noreferrer');
    expect(host.textContent).toBe('raw link');
  });

  it('keeps the allowed layout of a style and drops the rest', () => {
    const host = insert(sanitize('<span style="height:1em;position:fixed;background:url(x)">x</span>'));
    const span = host.querySelector('span')!;
    expect(span.hasAttribute('style')).toBe(false);
    expect(span.getAttribute('data-kstyle')).toBe('height:1em');
  });
});

describe('a payload arriving piece by piece', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  // A streaming reply is re-rendered as it grows; no prefix of a payload may
  // produce what the whole one does not. Fake timers drive the frames.
  it.each([
    `<img src=x onerror=${CANARY}>`,
    `[click me](${JS})`,
    `$\\href{${JS}}{click me}$`,
    `<noscript><p title="</noscript><img src=x onerror=${CANARY}>">`,
    `\`\`\`"><img src=x onerror=${CANARY}>\ncode\n\`\`\``,
    `| a |\n|---|\n| <iframe src="${JS}"> |`,
  ])('stays inert at every step: %s', async (source) => {
    vi.useFakeTimers();
    const view = render(Markdown, { props: { source: '', streaming: true } });
    const root = view.getByTestId('markdown');
    for (let end = 3; end < source.length + 3; end += 3) {
      await view.rerender({ source: source.slice(0, end), streaming: true });
      vi.advanceTimersToNextFrame();
      await tick();
      expect(root.querySelector('.chunk')).not.toBeNull();
      expect(problemsIn(root, true), source.slice(0, end)).toEqual([]);
    }
    vi.useRealTimers();
    poke(root);
    await settle();
    expect(pwned()).toBe(false);
  });
});

describe('links in Markdown.svelte', () => {
  function clickEvent(): MouseEvent {
    return new MouseEvent('click', { bubbles: true, cancelable: true });
  }

  it('hands an http(s) link to onlink and does not navigate', async () => {
    const onlink = vi.fn<(url: string) => void>();
    const view = render(Markdown, { props: { source: 'See [the docs](https://example.com/docs?a=1) now.', onlink } });
    const link = view.getByTestId('markdown').querySelector('a')!;
    expect(link.getAttribute('href')).toBe('https://example.com/docs?a=1');
    const event = clickEvent();
    link.dispatchEvent(event);
    expect(event.defaultPrevented).toBe(true);
    expect(onlink).toHaveBeenCalledTimes(1);
    expect(onlink).toHaveBeenCalledWith('https://example.com/docs?a=1');
  });

  it('hands over a click on an element inside a link (bold link text)', () => {
    const onlink = vi.fn<(url: string) => void>();
    const view = render(Markdown, { props: { source: '[**bold**](http://example.org)', onlink } });
    const bold = view.getByTestId('markdown').querySelector('a strong')!;
    const event = clickEvent();
    bold.dispatchEvent(event);
    expect(event.defaultPrevented).toBe(true);
    expect(onlink).toHaveBeenCalledWith('http://example.org/');
  });

  it('linkifies a bare URL and hands it over the same way', () => {
    const onlink = vi.fn<(url: string) => void>();
    const view = render(Markdown, { props: { source: 'Go to https://tauri.app today', onlink } });
    view.getByTestId('markdown').querySelector('a')!.dispatchEvent(clickEvent());
    expect(onlink).toHaveBeenCalledWith('https://tauri.app/');
  });

  it.each([
    ['mailto', '[write](mailto:ada@example.com)'],
    ['relative path', '[file](/etc/passwd)'],
    ['fragment', '[top](#top)'],
    ['tel', '[call](tel:+33123456789)'],
    ['credentials', '[bank](https://user:pw@bank.example)'],
    ['javascript', `[x](${JS})`],
  ])('calls nothing for a %s link, which is shown as text', async (_kind, source) => {
    const onlink = vi.fn<(url: string) => void>();
    const view = render(Markdown, { props: { source, onlink } });
    const root = view.getByTestId('markdown');
    expect(root.querySelector('a')).toBeNull();
    for (const element of root.querySelectorAll('*')) element.dispatchEvent(clickEvent());
    await settle();
    expect(onlink).not.toHaveBeenCalled();
    expect(pwned()).toBe(false);
  });

  it('keeps a middle click from opening a link in a new window', async () => {
    const view = render(Markdown, { props: { source: '[x](https://example.com)' } });
    const link = view.getByTestId('markdown').querySelector('a')!;
    const event = new MouseEvent('auxclick', { bubbles: true, cancelable: true, button: 1 });
    link.dispatchEvent(event);
    expect(event.defaultPrevented).toBe(true);
    // And a plain click without onlink still does not navigate.
    expect(await fireEvent.click(link)).toBe(false);
  });
});
