// The open conversation in the App: messages in order with their marks
// (pending, partial, error, attachments), content as text with its line
// breaks, a virtualised list for long conversations, and export.
import { fireEvent, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeId, longConversation } from '../../fake-history-seed';
import { locale } from '../../i18n';
import { MAX_DRAWN_ROWS } from '../../virtual';
import { fakeLayout, item, NOW, renderHistoryApp, waitForItems, XSS } from '../../../test/history-app';

const BUDGET = fakeId('c', 2);
const MARKUP = fakeId('c', 3);

afterEach(() => {
  locale.setPreference('system');
});

async function open(id: string) {
  await waitForItems(4);
  await fireEvent.click(within(item(id)).getByTestId('conversation-title'));
  const view = await screen.findByTestId('conversation-view');
  await waitFor(() => expect(view.dataset['state']).toBe('ready'));
  return view;
}

beforeEach(() => {
  fakeLayout();
});

/** Opens a 5,000-message conversation and waits for its first rows. */
async function openLong() {
  const { fake } = renderHistoryApp();
  const long = longConversation(50, NOW, 5000);
  fake.addConversation(long);
  fake.touch();
  await waitForItems(5);
  await fireEvent.click(within(item(long.id)).getByTestId('conversation-title'));
  const view = await screen.findByTestId('conversation-view');
  await waitFor(() => expect(within(view).queryAllByTestId('message-item').length).toBeGreaterThan(0));
  return { long, view };
}

describe('conversation view', () => {
  it('shows the messages in order with role, pending, partial and attachment marks', async () => {
    const { fake } = renderHistoryApp();
    const view = await open(BUDGET);
    const [question, answer] = fake.conversation(BUDGET)!.messages;
    const rows = within(view).getAllByTestId('message-item');
    expect(rows.map((row) => row.dataset['id'])).toEqual([question!.id, answer!.id]);
    expect(screen.getByTestId('conversation-heading').textContent).toBe('Budget');

    expect(rows[0]!.dataset['role']).toBe('user');
    expect(rows[0]!.dataset['pending']).toBe('true');
    expect(within(rows[0]!).getByTestId('message-pending').textContent).toBe('Not yet synced');
    const chip = within(rows[0]!).getByTestId('message-attachment');
    expect(chip.querySelector('.attachment-name')?.textContent).toBe('budget.csv');
    // Seeded from "another device": the metadata shows, the bytes are not here.
    expect(chip.dataset['onDevice']).toBe('false');
    expect(chip.textContent).toContain('Not on this device');

    expect(rows[1]!.dataset['pending']).toBe('false');
    expect(within(rows[1]!).queryByTestId('message-pending')).toBeNull();
    expect(within(rows[1]!).getByTestId('message-status').textContent).toBe('Stopped before the end');
    expect(rows[1]!.dataset['status']).toBe('partial');
  });

  it('renders content as text, never HTML, with line breaks kept', async () => {
    const { fake } = renderHistoryApp();
    const view = await open(MARKUP);
    const [question, reply] = within(view).getAllByTestId('message-content');
    expect(question!.textContent).toBe(`Is ${XSS} valid?`);
    expect(view.querySelector('img')).toBeNull();
    expect(within(view).getAllByTestId('message-item')[1]!.dataset['status']).toBe('error');
    expect(reply!.textContent).toBe('The provider failed.');

    await fireEvent.click(screen.getByTestId('conversation-close'));
    const lyon = await open(fakeId('c', 1));
    const answer = within(lyon).getAllByTestId('message-content')[1]!;
    expect(answer.textContent).toBe('Saturday: markets.\nSunday: museums.');
    expect(answer.querySelector('br')).toBeNull();
    expect(fake.calls.conversationMessages).toBe(2);
  });

  it('renders only a window of a 5,000-message conversation', async () => {
    const { long, view } = await openLong();
    expect(within(view).getAllByTestId('message-item').length).toBeLessThan(60);
    // It opens at the end of the conversation, in order.
    const last = long.messages[4999]!;
    await waitFor(() => expect(within(view).getAllByTestId('message-item').at(-1)?.dataset['id']).toBe(last.id));
    expect(within(view).getAllByTestId('message-item').length).toBeLessThan(60);
    const ids = within(view).getAllByTestId('message-item').map((row) => row.dataset['id']);
    const indexes = ids.map((id) => long.messages.findIndex((m) => m.id === id));
    expect(indexes).toEqual([...indexes].sort((a, b) => a - b));
    expect(screen.getByTestId('conversation-heading').textContent).toBe('Counting to 5000');
    expect(view.textContent).toContain('5,000 messages');
  });

  it('draws a bounded number of rows even when its scroller is as tall as every message', async () => {
    // The page hang's layout (BENCHMARKS.md): a viewport that covers the whole conversation.
    fakeLayout(480_032, 60);
    const { long, view } = await openLong();
    const drawn = within(view).getAllByTestId('message-item');
    expect(drawn.length).toBe(MAX_DRAWN_ROWS);
    expect(drawn[0]!.dataset['id']).toBe(long.messages[0]!.id);
  });

  it('exports as Markdown and JSON through the save dialog, with a result toast', async () => {
    const { fake } = renderHistoryApp();
    await open(BUDGET);
    await fireEvent.click(screen.getByTestId('export-markdown'));
    await waitFor(() => expect(fake.exports).toHaveLength(1));
    expect(fake.exports[0]).toEqual({ kind: 'conversation', id: BUDGET, format: 'markdown', path: '/home/demo/Budget.md' });
    const toast = await screen.findByTestId('history-toast');
    expect(toast.textContent).toContain('Exported to /home/demo/Budget.md');

    fake.dialogAnswer = '/tmp/budget.json';
    await fireEvent.click(screen.getByTestId('export-json'));
    await waitFor(() => expect(fake.exports).toHaveLength(2));
    expect(fake.exports[1]).toMatchObject({ format: 'json', path: '/tmp/budget.json' });
    expect(fake.dialogs[1]?.request.filters[0]?.extensions).toEqual(['json']);
  });

  it('goes back to the signed-in panel when closed', async () => {
    renderHistoryApp();
    await open(BUDGET);
    await fireEvent.click(screen.getByTestId('conversation-close'));
    expect(screen.queryByTestId('conversation-view')).toBeNull();
    expect(screen.getByTestId('signed-in-panel')).toBeTruthy();
  });
});
