// The search dialog in the App: Ctrl+K / Cmd+K and the sidebar button open
// it; hits show the title and the snippet with <mark> (and never HTML);
// ↑/↓/Enter/Escape drive it; a chosen hit opens its conversation at that
// message, highlighted for a moment.
import { fireEvent, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeId } from '../../fake-history-seed';
import { fakeLayout, renderHistoryApp, waitForItems, XSS } from '../../../test/history-app';

beforeEach(() => {
  fakeLayout();
});

async function openWith(keys: { ctrlKey?: boolean; metaKey?: boolean }) {
  await waitForItems(4);
  await fireEvent.keyDown(window, { key: 'k', ...keys });
  return screen.findByTestId('search-dialog');
}

async function type(query: string) {
  await fireEvent.input(screen.getByTestId('search-input'), { target: { value: query } });
}

async function hits(count: number): Promise<HTMLElement[]> {
  await waitFor(() => expect(screen.queryAllByTestId('search-hit')).toHaveLength(count));
  return screen.getAllByTestId('search-hit');
}

const selected = () => screen.getAllByTestId('search-hit').findIndex((hit) => hit.getAttribute('aria-selected') === 'true');

describe('search dialog', () => {
  it('opens with Ctrl+K and Cmd+K with the field focused, and closes with Escape', async () => {
    renderHistoryApp();
    await openWith({ ctrlKey: true });
    expect(document.activeElement).toBe(screen.getByTestId('search-input'));
    await fireEvent.keyDown(document.activeElement!, { key: 'Escape' });
    expect(screen.queryByTestId('search-dialog')).toBeNull();

    expect(await openWith({ metaKey: true })).toBeTruthy();
  });

  it('opens from the sidebar button, and not at all when signed out', async () => {
    const { backend } = renderHistoryApp();
    await waitForItems(4);
    await fireEvent.click(screen.getByTestId('search-open'));
    expect(await screen.findByTestId('search-dialog')).toBeTruthy();
    await fireEvent.keyDown(document, { key: 'Escape' });

    await backend.signOut();
    await waitFor(() => expect(screen.queryByTestId('search-open')).toBeNull());
    await fireEvent.keyDown(window, { key: 'k', ctrlKey: true });
    // The dialog's chunk is loaded already (it opened above), so a dialog
    // wrongly opened would be drawn once the pending microtasks have run.
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(screen.queryByTestId('search-dialog')).toBeNull();
  });

  it('shows the title and the snippet with the matches in <mark>', async () => {
    renderHistoryApp();
    await openWith({ ctrlKey: true });
    await type('weekend lyon');
    const [hit] = await hits(1);
    expect(hit!.textContent).toContain('Trip to Lyon');
    const marks = [...hit!.querySelectorAll('mark')].map((mark) => mark.textContent);
    expect(marks).toEqual(['weekend', 'Lyon']);
    expect(within(hit!).getByTestId('search-snippet').textContent).toBe('Plan a weekend in Lyon.');
  });

  it('renders markup in a message as text, in the snippet and in the conversation', async () => {
    const { fake } = renderHistoryApp();
    await openWith({ ctrlKey: true });
    await type('onerror');
    const [hit] = await hits(1);
    expect(hit!.querySelector('img')).toBeNull();
    expect(within(hit!).getByTestId('search-snippet').textContent).toBe(`Is ${XSS} valid?`);
    expect(hit!.querySelector('mark')?.textContent).toBe('onerror');

    await fireEvent.keyDown(screen.getByTestId('search-input'), { key: 'Enter' });
    const view = await screen.findByTestId('conversation-view');
    await waitFor(() => expect(within(view).queryAllByTestId('message-item').length).toBe(2));
    expect(document.querySelector('img')).toBeNull();
    expect(within(view).getAllByTestId('message-content')[0]!.textContent).toBe(`Is ${XSS} valid?`);
    expect(fake.calls.conversationMessages).toBe(1);
  });

  it('moves through the hits with the arrow keys (wrapping), and opens the selected one at its message', async () => {
    const { fake } = renderHistoryApp();
    await openWith({ ctrlKey: true });
    await type('the');
    const found = await hits(4);
    const input = screen.getByTestId('search-input');
    expect(selected()).toBe(0);
    expect(input.getAttribute('aria-activedescendant')).toBe(found[0]!.id);
    await fireEvent.keyDown(input, { key: 'ArrowDown' });
    await fireEvent.keyDown(input, { key: 'ArrowDown' });
    expect(selected()).toBe(2);
    await fireEvent.keyDown(input, { key: 'ArrowUp' });
    await fireEvent.keyDown(input, { key: 'ArrowUp' });
    await fireEvent.keyDown(input, { key: 'ArrowUp' });
    expect(selected()).toBe(3);
    expect(input.getAttribute('aria-activedescendant')).toBe(found[3]!.id);

    const chosen = screen.getAllByTestId('search-hit')[3]!;
    const messageId = chosen.dataset['messageId']!;
    const conversationId = chosen.getAttribute('data-conversation-id')!;
    await fireEvent.keyDown(input, { key: 'Enter' });
    expect(screen.queryByTestId('search-dialog')).toBeNull();

    const view = await screen.findByTestId('conversation-view');
    expect(view.dataset['id']).toBe(conversationId);
    const message = await waitFor(() => {
      const row = within(view).getAllByTestId('message-item').find((el) => el.dataset['id'] === messageId);
      expect(row?.dataset['highlighted']).toBe('true');
      return row!;
    });
    expect(fake.conversation(conversationId)?.messages.some((m) => m.id === messageId)).toBe(true);
    // The highlight is brief.
    await waitFor(() => expect(message.dataset['highlighted']).toBe('false'), { timeout: 3000 });
  });

  it('opens a hit on click', async () => {
    renderHistoryApp();
    await openWith({ ctrlKey: true });
    await type('milk');
    const [hit] = await hits(1);
    await fireEvent.click(hit!);
    const view = await screen.findByTestId('conversation-view');
    expect(view.dataset['id']).toBe(fakeId('c', 4));
  });

  it('says when nothing matches', async () => {
    renderHistoryApp();
    await openWith({ ctrlKey: true });
    await type('zeppelin');
    expect((await screen.findByTestId('search-empty')).textContent).toBe('No messages match “zeppelin”.');
    expect(screen.queryAllByTestId('search-hit')).toHaveLength(0);
  });
});
