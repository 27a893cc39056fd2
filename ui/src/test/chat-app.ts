// Shared by the chat tests: the whole App signed in as Ada over the
// in-memory fake, with fast scripted replies (a few milliseconds a word)
// and a small history: a one-turn and a two-turn conversation. The quota
// starts empty-handed (Free, nothing used) unless `billing` says otherwise.
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { expect } from 'vitest';
import App from '../App.svelte';
import { FakeBackend } from '../lib/backend-fake';
import type { ChatModelOptions } from '../lib/chat.svelte';
import type { FakeAuthOptions } from '../lib/fake-auth';
import type { FakeBillingOptions } from '../lib/fake-billing';
import type { FakeChatOptions } from '../lib/fake-chat';
import type { FakeConversation, FakeHistoryOptions } from '../lib/fake-history';
import { conversation, fakeId } from '../lib/fake-history-seed';
import type { QuotaModelOptions } from '../lib/quota.svelte';
import { ADA, SIGNED_IN } from './auth-app';

export const LYON = fakeId('c', 71);
export const RECIPES = fakeId('c', 72);

export function chatSeed(): FakeConversation[] {
  const now = Date.now();
  return [
    conversation(71, 'Trip to Lyon', new Date(now - 60_000), [
      { role: 'user', content: 'Plan a weekend in Lyon.' },
      { role: 'assistant', content: 'Saturday: markets.' },
    ]),
    conversation(72, 'Recipes', new Date(now - 3_600_000), [
      { role: 'user', content: 'A soup?' },
      { role: 'assistant', content: 'Leek and potato.' },
      { role: 'user', content: 'A dessert?' },
      { role: 'assistant', content: 'Tarte Tatin.' },
    ]),
  ];
}

export interface ChatAppOptions {
  auth?: FakeAuthOptions;
  history?: FakeHistoryOptions;
  chat?: FakeChatOptions;
  billing?: FakeBillingOptions;
  model?: ChatModelOptions;
  quota?: QuotaModelOptions;
}

/** The App signed in as Ada, with `chatSeed()` unless told otherwise. */
export function renderChatApp(options: ChatAppOptions = {}) {
  const backend = new FakeBackend({
    auth: { accounts: { [ADA.email]: ADA.password }, initial: SIGNED_IN, ...options.auth },
    history: { conversations: chatSeed(), ...options.history },
    chat: { wordMs: 2, ...options.chat },
    billing: options.billing,
  });
  const result = render(App, {
    props: { backend, history: { searchDebounceMs: 0 }, chat: options.model, quota: options.quota },
  });
  return { ...result, backend, fake: backend.chat };
}

export function composerInput(): HTMLTextAreaElement {
  return screen.getByTestId('composer-input') as HTMLTextAreaElement;
}

/** Types `text` in the composer and presses Send. */
export async function sendText(text: string): Promise<void> {
  const input = await screen.findByTestId('composer-input');
  await fireEvent.input(input, { target: { value: text } });
  await fireEvent.click(screen.getByTestId('composer-send'));
}

/** Opens a conversation from the sidebar and waits for its messages. */
export async function openConversation(id: string): Promise<HTMLElement> {
  const item = await waitFor(() => {
    const found = screen.getAllByTestId('conversation-item').find((el) => el.dataset['id'] === id);
    if (!found) throw new Error(`no conversation item ${id}`);
    return found;
  });
  await fireEvent.click(within(item).getByTestId('conversation-title'));
  const view = await screen.findByTestId('conversation-view');
  await waitFor(() => expect(view.dataset['state']).toBe('ready'));
  await waitFor(() => expect(within(view).queryAllByTestId('message-item').length).toBeGreaterThan(0));
  return view;
}

/** The shown rows of the main area, as `role:status:text` (streaming rows included). */
export function rows(): string[] {
  return Array.from(document.querySelectorAll<HTMLElement>('[data-testid="message-item"], [data-testid="assistant-streaming"]')).map(
    (row) => `${row.dataset['role']}:${row.dataset['status']}:${row.querySelector('[data-testid="message-content"]')?.textContent?.trim() ?? ''}`,
  );
}

/** The finished reply row (`message-item`, assistant) with that status, once shown. */
export async function finishedReply(status: 'complete' | 'partial' | 'error', text?: string): Promise<HTMLElement> {
  return waitFor(() => {
    const found = Array.from(
      document.querySelectorAll<HTMLElement>(`[data-testid="message-item"][data-role="assistant"][data-status="${status}"]`),
    ).filter((row) => text === undefined || row.textContent?.includes(text));
    expect(found).not.toHaveLength(0);
    return found[found.length - 1]!;
  });
}

/** The text of the reply being streamed, as shown (undefined when none streams). */
export function streamingText(): string | undefined {
  return screen.queryByTestId('assistant-streaming')?.querySelector('[data-testid="message-content"]')?.textContent?.trim();
}
