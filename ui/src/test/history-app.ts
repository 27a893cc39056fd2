// Shared by the history tests: a fixed clock, a small seeded history across
// every sidebar group, and the whole App signed in over the in-memory fake.
import { render, screen, waitFor } from '@testing-library/svelte';
import { expect, vi } from 'vitest';
import App from '../App.svelte';
import { FakeBackend } from '../lib/backend-fake';
import type { FakeConversation, FakeHistoryOptions } from '../lib/fake-history';
import { conversation } from '../lib/fake-history-seed';
import type { HistoryOptions } from '../lib/history.svelte';
import type { FakeAuthOptions } from '../lib/fake-auth';
import { ADA, SIGNED_IN } from './auth-app';

/** Sunday 15 June 2025, 12:00 local time. */
export const NOW = new Date(2025, 5, 15, 12, 0, 0);
const HOUR = 3_600_000;
const ago = (ms: number) => new Date(NOW.getTime() - ms);

export const XSS = '<img src=x onerror=alert(1)>';

export const SIGNED_IN_STATE = SIGNED_IN;

/** Four conversations, one per group; "Budget" has a pending change. */
export function seed(): FakeConversation[] {
  return [
    conversation(1, 'Trip to Lyon', ago(HOUR), [
      { role: 'user', content: 'Plan a weekend in Lyon.' },
      { role: 'assistant', content: 'Saturday: markets.\nSunday: museums.' },
    ]),
    conversation(
      2,
      'Budget',
      ago(26 * HOUR),
      [
        {
          role: 'user',
          content: 'Summarise the budget.',
          attachments: [{ name: 'budget.csv', type: 'text/csv', size: 1200 }],
          pending: true,
        },
        { role: 'assistant', content: 'Rent is the largest line', status: 'partial' },
      ],
      true,
    ),
    conversation(3, 'Markup question', ago(3 * 24 * HOUR), [
      { role: 'user', content: `Is ${XSS} valid?` },
      { role: 'assistant', content: 'The provider failed.', status: 'error' },
    ]),
    conversation(4, 'Old notes', ago(40 * 24 * HOUR), [{ role: 'user', content: 'Remember the milk.' }]),
  ];
}

export interface HistoryAppOptions {
  history?: FakeHistoryOptions;
  auth?: FakeAuthOptions;
  model?: HistoryOptions;
}

/** The App, signed in as Ada, with the seeded history unless told otherwise. */
export function renderHistoryApp(options: HistoryAppOptions = {}) {
  const backend = new FakeBackend({
    auth: { accounts: { [ADA.email]: ADA.password }, initial: SIGNED_IN, ...options.auth },
    history: { conversations: seed(), now: () => NOW, ...options.history },
  });
  const result = render(App, {
    props: { backend, history: { now: () => NOW, searchDebounceMs: 0, ...options.model } },
  });
  return { ...result, backend, fake: backend.history };
}

/** Waits until the list shows `count` conversations. */
export async function waitForItems(count: number): Promise<HTMLElement[]> {
  await waitFor(() => expect(screen.queryAllByTestId('conversation-item')).toHaveLength(count));
  return screen.getAllByTestId('conversation-item');
}

export function item(id: string): HTMLElement {
  const found = screen.getAllByTestId('conversation-item').find((el) => el.dataset['id'] === id);
  if (!found) throw new Error(`no conversation item ${id}`);
  return found;
}

/**
 * jsdom has no layout: gives the message scroller a viewport of `viewport`
 * pixels and every message row a height of `row`, so the virtualised list
 * renders what a window would. (Spies; `restoreMocks` undoes them.)
 */
export function fakeLayout(viewport = 600, row = 60): void {
  vi.spyOn(HTMLElement.prototype, 'offsetHeight', 'get').mockImplementation(function (this: HTMLElement) {
    if (this.dataset['testid'] === 'message-scroller') return viewport;
    return this.classList.contains('row') ? row : 0;
  });
  vi.spyOn(HTMLElement.prototype, 'offsetWidth', 'get').mockReturnValue(800);
  const isScroller = (el: Element) => el instanceof HTMLElement && el.dataset['testid'] === 'message-scroller';
  vi.spyOn(Element.prototype, 'clientHeight', 'get').mockImplementation(function (this: Element) {
    return isScroller(this) ? viewport : 0;
  });
  // The scrolled content is as tall as the list's canvas says.
  vi.spyOn(Element.prototype, 'scrollHeight', 'get').mockImplementation(function (this: Element) {
    const canvas = this.firstElementChild;
    return isScroller(this) && canvas instanceof HTMLElement ? Number.parseFloat(canvas.style.height) || 0 : 0;
  });
}

/**
 * jsdom has no layout nor component styles: gives the sidebar's scroller
 * (`.conversations`) its `overflow-y: auto` and a viewport of `viewport`
 * pixels, and every virtualised row a height of `row`, so a long history
 * renders what a window would. (Spies; `restoreMocks` undoes them.)
 */
export function fakeSidebarLayout(viewport = 600, row = 32): void {
  const isScroller = (el: Element) => el instanceof HTMLElement && el.classList.contains('conversations');
  const style = window.getComputedStyle.bind(window);
  vi.spyOn(window, 'getComputedStyle').mockImplementation((el, pseudo) => {
    const computed = style(el, pseudo);
    if (!isScroller(el)) return computed;
    return new Proxy(computed, {
      get: (target, key) => (key === 'overflowY' ? 'auto' : Reflect.get(target, key)),
    });
  });
  vi.spyOn(HTMLElement.prototype, 'offsetHeight', 'get').mockImplementation(function (this: HTMLElement) {
    if (isScroller(this)) return viewport;
    return this.dataset['index'] === undefined ? 0 : row;
  });
  vi.spyOn(HTMLElement.prototype, 'offsetWidth', 'get').mockReturnValue(260);
}

