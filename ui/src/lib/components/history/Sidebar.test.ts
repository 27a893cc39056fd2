// The sidebar's history in the App: groups by last activity, the pending
// mark, inline rename, delete with its undo toast, the empty state, the
// sync line with Retry, and export/import in the settings area.
import { fireEvent, screen, waitFor, within } from '@testing-library/svelte';
import { tick } from 'svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { conversation, fakeId } from '../../fake-history-seed';
import { locale } from '../../i18n';
import { resetHistoryMarkForTests } from '../../startup-mark';
import { fakeSidebarLayout, item, renderHistoryApp, waitForItems } from '../../../test/history-app';

const LYON = fakeId('c', 1);
const BUDGET = fakeId('c', 2);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A history long enough for the virtual list, in a 600 px sidebar of 32 px rows, newest first. */
function renderLongHistory(count: number) {
  fakeSidebarLayout(600, 32);
  const now = Date.now();
  const conversations = Array.from({ length: count }, (_, i) =>
    conversation(100 + i, `Conversation ${i}`, new Date(now - i * 60_000), []),
  );
  return renderHistoryApp({ history: { conversations } });
}

/** Scrolls the sidebar to its end and waits for `title`'s row to be drawn. */
async function scrollToEnd(title: string) {
  const canvas = screen.getByTestId('conversation-canvas');
  const scroller = canvas.closest<HTMLElement>('.conversations')!;
  scroller.scrollTop = Number.parseFloat(canvas.style.height);
  fireEvent.scroll(scroller);
  await waitFor(() => expect(screen.getAllByTestId('conversation-title').map((el) => el.textContent)).toContain(title));
}

afterEach(() => {
  locale.setPreference('system');
});

/** A row's action button, which exists once the pointer is over the row. */
async function action(id: string, testId: 'rename-conversation' | 'delete-conversation'): Promise<HTMLElement> {
  await fireEvent.pointerEnter(item(id));
  return within(item(id)).getByTestId(testId);
}

describe('conversation list', () => {
  it('groups conversations by last activity, with their titles and pending state', async () => {
    renderHistoryApp();
    const items = await waitForItems(4);
    const groups = screen.getAllByTestId('conversation-group');
    expect(groups.map((g) => g.dataset['group'])).toEqual(['today', 'yesterday', 'week', 'older']);
    expect(groups.map((g) => g.querySelector('h3')?.textContent)).toEqual([
      'Today',
      'Yesterday',
      'Previous 7 days',
      'Older',
    ]);
    expect(within(groups[0]!).getByTestId('conversation-title').textContent).toBe('Trip to Lyon');
    expect(items.map((el) => el.dataset['pending'])).toEqual(['false', 'true', 'false', 'false']);
    expect(within(item(BUDGET)).getByTestId('pending-marker')).toBeTruthy();
    expect(within(item(LYON)).queryByTestId('pending-marker')).toBeNull();
    expect(screen.queryByTestId('history-empty')).toBeNull();
  });

  it('virtualises a long history: a screenful of rows, the rest drawn as it scrolls into view', async () => {
    renderLongHistory(400);
    const first = await screen.findAllByTestId('conversation-item');
    // 600 px of 32 px rows, plus the overscan on either side: far fewer than 400.
    expect(first.length).toBeGreaterThanOrEqual(18);
    expect(first.length).toBeLessThan(60);
    expect(within(first[0]!).getByTestId('conversation-title').textContent).toBe('Conversation 0');
    expect(screen.getAllByTestId('conversation-group-title').map((h) => h.dataset['group'])).toEqual(['today']);
    // The canvas is as tall as every row, so the scrollbar tells the length.
    const canvas = screen.getByTestId('conversation-canvas');
    expect(Number.parseFloat(canvas.style.height)).toBeGreaterThan(400 * 32);

    await scrollToEnd('Conversation 399');
    expect(screen.getAllByTestId('conversation-item').length).toBeLessThan(60);
    expect(screen.queryByText('Conversation 0')).toBeNull();
  });

  it('keeps a row being renamed drawn when the list scrolls away from it', async () => {
    renderLongHistory(300);
    const [top] = await screen.findAllByTestId('conversation-item');
    await fireEvent.dblClick(within(top!).getByTestId('conversation-title'));
    const field = await within(top!).findByRole('textbox');
    field.focus();

    await scrollToEnd('Conversation 299');
    expect(screen.getAllByRole('textbox').find((el) => el === field)).toBe(field);
    expect(document.activeElement).toBe(field);
  });

  it('shows the empty state when there is no history, in French too', async () => {
    locale.setPreference('fr');
    renderHistoryApp({ history: { conversations: [] } });
    const empty = await screen.findByTestId('history-empty');
    expect(empty.textContent).toContain('Aucune conversation pour le moment.');
    expect(screen.queryAllByTestId('conversation-item')).toHaveLength(0);
  });

  it('reports an empty history as drawn, as it does rows: the app starts its first sync on that report', async () => {
    resetHistoryMarkForTests();
    const { backend } = renderHistoryApp({ history: { conversations: [] } });
    const reported = vi.spyOn(backend, 'historyVisible');
    await screen.findByTestId('history-empty');
    await waitFor(() => expect(reported).toHaveBeenCalledTimes(1));
  });

  it('picks up conversations that arrive with historyChanged', async () => {
    const { fake } = renderHistoryApp({ history: { conversations: [] } });
    await screen.findByTestId('history-empty');
    const { conversation } = await import('../../fake-history-seed');
    fake.addConversation(conversation(7, 'Synced from the laptop', new Date(), []));
    fake.touch();
    const [row] = await waitForItems(1);
    expect(row!.textContent).toContain('Synced from the laptop');
  });
});

describe('row actions', () => {
  it('exist while a row is pointed at, holds the focus, or is open, and Tab reaches them', async () => {
    renderHistoryApp();
    await waitForItems(4);
    expect(screen.queryAllByTestId('conversation-actions')).toHaveLength(0);

    await fireEvent.pointerEnter(item(LYON));
    expect(within(item(LYON)).getByTestId('rename-conversation').getAttribute('aria-label')).toBe('Rename “Trip to Lyon”');
    await fireEvent.pointerLeave(item(LYON));
    expect(within(item(LYON)).queryByTestId('conversation-actions')).toBeNull();

    // Focus on the row's button brings them, next in the Tab order.
    const open = within(item(LYON)).getByRole('button', { name: 'Trip to Lyon' });
    open.focus();
    await tick();
    const rename = within(item(LYON)).getByTestId('rename-conversation');
    expect(open.compareDocumentPosition(rename) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    rename.focus();
    await tick();
    expect(document.activeElement).toBe(rename);
    (document.activeElement as HTMLElement).blur();
    await tick();
    expect(screen.queryAllByTestId('conversation-actions')).toHaveLength(0);

    await fireEvent.click(open);
    (document.activeElement as HTMLElement).blur();
    await waitFor(() => expect(within(item(LYON)).getByTestId('conversation-actions')).toBeTruthy());
    expect(screen.queryAllByTestId('conversation-actions')).toHaveLength(1);
  });
});

describe('rename', () => {
  it('renames on double-click and Enter', async () => {
    const { fake } = renderHistoryApp();
    await waitForItems(4);
    await fireEvent.dblClick(within(item(LYON)).getByTestId('conversation-title'));
    const input = screen.getByTestId('rename-input') as HTMLInputElement;
    expect(document.activeElement).toBe(input);
    expect(input.value).toBe('Trip to Lyon');
    await fireEvent.input(input, { target: { value: 'Lyon, June' } });
    await fireEvent.keyDown(input, { key: 'Enter' });
    await waitFor(() => expect(screen.queryByTestId('rename-input')).toBeNull());
    expect(within(item(LYON)).getByTestId('conversation-title').textContent).toBe('Lyon, June');
    expect(fake.conversation(LYON)?.title).toBe('Lyon, June');
  });

  it('cancels with Escape without calling the backend', async () => {
    const { fake } = renderHistoryApp();
    await waitForItems(4);
    await fireEvent.click(await action(LYON, 'rename-conversation'));
    const input = screen.getByTestId('rename-input');
    await fireEvent.input(input, { target: { value: 'Something else' } });
    await fireEvent.keyDown(input, { key: 'Escape' });
    expect(screen.queryByTestId('rename-input')).toBeNull();
    expect(within(item(LYON)).getByTestId('conversation-title').textContent).toBe('Trip to Lyon');
    expect(fake.calls.renameConversation).toBe(0);
  });

  it('keeps the field open with the error for an empty title or a refusal', async () => {
    const { fake } = renderHistoryApp();
    await waitForItems(4);
    await fireEvent.keyDown(within(item(LYON)).getByRole('button', { name: 'Trip to Lyon' }), { key: 'F2' });
    const input = screen.getByTestId('rename-input');
    await fireEvent.input(input, { target: { value: '   ' } });
    await fireEvent.keyDown(input, { key: 'Enter' });
    expect((await screen.findByTestId('rename-error')).textContent).toBe('Enter a title.');
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(fake.calls.renameConversation).toBe(0);

    fake.failNext.renameConversation = { code: 'not_found', message: 'gone' };
    await fireEvent.input(input, { target: { value: 'New name' } });
    await fireEvent.keyDown(input, { key: 'Enter' });
    await waitFor(() => expect(screen.getByTestId('rename-error').textContent).toBe('That item no longer exists.'));
    expect(screen.getByTestId('rename-input')).toBeTruthy();
  });
});

describe('delete with undo', () => {
  it('hides the conversation at once and sends nothing when undone', async () => {
    const { fake } = renderHistoryApp({ model: { undoMs: 80 } });
    await waitForItems(4);
    await fireEvent.click(await action(LYON, 'delete-conversation'));
    expect(screen.getAllByTestId('conversation-item').map((el) => el.dataset['id'])).not.toContain(LYON);
    const toast = screen.getByTestId('undo-toast');
    expect(toast.textContent).toContain('“Trip to Lyon” deleted.');
    await fireEvent.click(screen.getByTestId('undo-delete'));
    expect(screen.queryByTestId('undo-toast')).toBeNull();
    await waitForItems(4);
    await sleep(150);
    expect(fake.calls.deleteConversation).toBe(0);
    expect(fake.hasConversation(LYON)).toBe(true);
  });

  it('deletes when the toast expires', async () => {
    const { fake } = renderHistoryApp({ model: { undoMs: 80 } });
    await waitForItems(4);
    await fireEvent.click(await action(LYON, 'delete-conversation'));
    expect(fake.calls.deleteConversation).toBe(0);
    await waitFor(() => expect(screen.queryByTestId('undo-toast')).toBeNull());
    await waitFor(() => expect(fake.calls.deleteConversation).toBe(1));
    expect(fake.hasConversation(LYON)).toBe(false);
    await waitForItems(3);
  });

  it('deletes at once when the toast is dismissed, and with the Delete key', async () => {
    const { fake } = renderHistoryApp();
    await waitForItems(4);
    await fireEvent.click(await action(LYON, 'delete-conversation'));
    await fireEvent.click(screen.getByTestId('undo-dismiss'));
    await waitFor(() => expect(fake.calls.deleteConversation).toBe(1));

    const budget = within(item(BUDGET)).getByTestId('conversation-title').closest('button')!;
    budget.focus();
    await fireEvent.keyDown(budget, { key: 'Delete' });
    expect(screen.getByTestId('undo-toast').dataset['id']).toBe(BUDGET);
    // Focus moves on to the next conversation rather than being lost.
    expect(document.activeElement?.closest('[data-testid="conversation-item"]')).toBeTruthy();
  });
});

describe('sign-out', () => {
  it('carries out a delete waiting for its undo window before signing out', async () => {
    const { backend, fake } = renderHistoryApp();
    await waitForItems(4);
    await fireEvent.click(await action(LYON, 'delete-conversation'));
    const order: string[] = [];
    const deleteConversation = fake.deleteConversation.bind(fake);
    fake.deleteConversation = (id) => (order.push('delete'), deleteConversation(id));
    const signOut = backend.auth.signOut.bind(backend.auth);
    backend.auth.signOut = () => (order.push('signOut'), signOut());
    await fireEvent.click(screen.getByTestId('sign-out'));
    await screen.findByTestId('auth-signin-form');
    expect(order).toEqual(['delete', 'signOut']);
    expect(fake.hasConversation(LYON)).toBe(false);
    expect(screen.queryByTestId('undo-toast')).toBeNull();
  });
});

describe('sync status line', () => {
  it('shows synced, then offline with the changes waiting', async () => {
    const { fake } = renderHistoryApp();
    await waitForItems(4);
    const line = screen.getByTestId('sync-status');
    expect(line.dataset['state']).toBe('synced');
    fake.setOffline(true);
    await waitFor(() => expect(line.dataset['state']).toBe('offline'));
    expect(line.textContent).toContain('Offline — 2 changes waiting');
  });

  it('shows first-sync progress, and a failure with Retry that syncs', async () => {
    const { fake } = renderHistoryApp();
    await waitForItems(4);
    fake.emitSync({ state: 'syncing', first: true, fetched: 1234 });
    const line = screen.getByTestId('sync-status');
    await waitFor(() => expect(line.textContent).toContain('Syncing your history… 1,234 items received'));
    expect(screen.queryByTestId('sync-retry')).toBeNull();

    fake.emitSync({ state: 'failed', error: { code: 'server', message: 'boom' }, pending: 0 });
    await waitFor(() => expect(line.dataset['state']).toBe('failed'));
    expect(line.textContent).toContain('Sync failed.');
    expect(line.textContent).not.toContain('boom');
    await fireEvent.click(screen.getByTestId('sync-retry'));
    await waitFor(() => expect(line.dataset['state']).toBe('synced'));
    expect(fake.calls.syncHistory).toBe(1);
  });
});

describe('backup in the settings', () => {
  it('exports all history and imports a backup, with the result', async () => {
    const { fake } = renderHistoryApp();
    await waitForItems(4);
    await fireEvent.click(screen.getByTestId('export-all'));
    await waitFor(() => expect(fake.exports).toEqual([{ kind: 'history', path: '/home/demo/native-ai-history-2025-06-15.json' }]));

    fake.dialogAnswer = '/home/ada/old.json';
    fake.importReport = { conversationsAdded: 1, messagesAdded: 12, duplicatesSkipped: 3 };
    await fireEvent.click(screen.getByTestId('import-backup'));
    await waitFor(() => expect(fake.imports).toEqual(['/home/ada/old.json']));
    const toast = await waitFor(() => {
      const found = screen.getAllByTestId('history-toast').find((el) => el.dataset['kind'] === 'imported');
      expect(found).toBeTruthy();
      return found!;
    });
    expect(toast.textContent).toContain('1 conversation, 12 messages added; 3 already there.');
  });

  it('is not offered when signed out', async () => {
    const { backend } = renderHistoryApp();
    await waitForItems(4);
    await backend.signOut();
    await waitFor(() => expect(screen.queryByTestId('export-all')).toBeNull());
    expect(screen.queryByTestId('import-backup')).toBeNull();
    expect(screen.queryByTestId('conversation-list')).toBeNull();
    expect(screen.queryByTestId('sync-status')).toBeNull();
  });
});
