// The HistoryModel over the in-memory fake: loading with the session,
// reloading on historyChanged, undoable delete (nothing is sent until the
// undo window ends), rename, sync status, export/import, and sign-out
// clearing everything.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeBackend } from './backend-fake';
import { conversation, fakeId } from './fake-history-seed';
import { HistoryModel } from './history.svelte';
import { NOW, seed } from '../test/history-app';

const ADA_ID = '00000000-0000-4000-8000-00000000000a';
const LYON = fakeId('c', 1);
const BUDGET = fakeId('c', 2);

function setup(options: { delayMs?: number } = {}) {
  const backend = new FakeBackend({
    auth: { initial: { status: 'signedIn', user: { id: ADA_ID, email: 'ada@example.com' }, offline: false, persistence: 'keychain' } },
    history: { conversations: seed(), now: () => NOW },
    delayMs: options.delayMs,
  });
  const model = new HistoryModel(backend, { now: () => NOW, undoMs: 6000, toastMs: 5000 });
  model.start();
  return { backend, fake: backend.history, model };
}

async function signedIn(options: { delayMs?: number } = {}) {
  const context = setup(options);
  context.model.setUser(ADA_ID);
  await vi.waitFor(() => expect(context.model.list.kind).toBe('ready'));
  return context;
}

/** Lets pending promises settle under fake timers. */
async function settle() {
  await vi.advanceTimersByTimeAsync(0);
}

afterEach(() => {
  vi.useRealTimers();
});

describe('loading', () => {
  it('loads nothing until a user is set, then the list, most recent first, grouped', async () => {
    const { fake, model } = setup();
    await Promise.resolve();
    expect(fake.calls.listConversations).toBe(0);
    expect(model.list.kind).toBe('idle');

    model.setUser(ADA_ID);
    expect(model.list.kind).toBe('loading');
    await vi.waitFor(() => expect(model.list.kind).toBe('ready'));
    expect(model.visible.map((c) => c.title)).toEqual(['Trip to Lyon', 'Budget', 'Markup question', 'Old notes']);
    expect(model.groups.map((g) => g.key)).toEqual(['today', 'yesterday', 'week', 'older']);
    expect(model.visible.find((c) => c.id === BUDGET)?.pending).toBe(true);
  });

  it('shows the list that came with the launch state once, without asking for it', async () => {
    const { backend, fake, model } = setup();
    const launch = await backend.launchState();
    const calls = fake.calls.listConversations;
    model.seed(launch);
    model.setUser(ADA_ID);
    expect(model.list.kind).toBe('ready');
    expect(model.visible.map((c) => c.title)).toEqual(['Trip to Lyon', 'Budget', 'Markup question', 'Old notes']);
    expect(fake.calls.listConversations).toBe(calls);
    // Any later load asks the backend.
    await model.reload();
    expect(fake.calls.listConversations).toBe(calls + 1);
  });

  it('ignores a launch list for another user, or none', async () => {
    const { backend, fake, model } = setup();
    const launch = await backend.launchState();
    const calls = fake.calls.listConversations;
    const bob = { id: '00000000-0000-4000-8000-00000000000b', email: 'bob@example.com' };
    model.seed({ ...launch, auth: { status: 'signedIn', user: bob, offline: false, persistence: 'keychain' } });
    model.setUser(ADA_ID);
    await vi.waitFor(() => expect(model.list.kind).toBe('ready'));
    expect(fake.calls.listConversations).toBe(calls + 1);

    model.setUser(null);
    model.seed({ ...launch, conversations: null });
    model.setUser(ADA_ID);
    expect(model.list.kind).toBe('loading');
    await vi.waitFor(() => expect(model.list.kind).toBe('ready'));
    expect(fake.calls.listConversations).toBe(calls + 2);
  });

  it('reloads the list (and the open conversation) on historyChanged', async () => {
    const { fake, model } = await signedIn();
    await model.openConversation(LYON);
    const calls = fake.calls.conversationMessages;
    fake.addConversation(conversation(9, 'From another device', NOW, [{ role: 'user', content: 'hello' }]));
    fake.conversation(LYON)?.messages.push({ ...fake.conversation(LYON)!.messages[0]!, id: 'new-message' });
    fake.touch();
    await vi.waitFor(() => expect(model.visible.map((c) => c.title)).toContain('From another device'));
    await vi.waitFor(() => expect(model.current?.messages.map((m) => m.id)).toContain('new-message'));
    expect(fake.calls.conversationMessages).toBe(calls + 1);
  });

  it('coalesces a burst of historyChanged into at most two reloads', async () => {
    const { fake, model } = await signedIn({ delayMs: 10 });
    const before = fake.calls.listConversations;
    for (let i = 0; i < 20; i += 1) fake.touch();
    await vi.waitFor(() => expect(fake.calls.listConversations).toBe(before + 2));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fake.calls.listConversations).toBe(before + 2);
    expect(model.list.kind).toBe('ready');
  });

  it('holds historyChanged reloads while held, then makes one when the last hold ends', async () => {
    const { fake, model } = await signedIn();
    const before = fake.calls.listConversations;
    const first = model.holdReloads();
    const second = model.holdReloads();
    fake.addConversation(conversation(9, 'From another device', NOW, []));
    fake.touch();
    fake.touch();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fake.calls.listConversations).toBe(before);
    expect(model.visible.map((c) => c.title)).not.toContain('From another device');
    first();
    first();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fake.calls.listConversations).toBe(before);
    second();
    await vi.waitFor(() => expect(model.visible.map((c) => c.title)).toContain('From another device'));
    expect(fake.calls.listConversations).toBe(before + 1);
  });

  it('makes no reload at the end of a hold nobody asked one during', async () => {
    const { fake, model } = await signedIn();
    const before = fake.calls.listConversations;
    model.holdReloads()();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fake.calls.listConversations).toBe(before);
  });

  it('keeps the list it has and shows the failure when a load fails', async () => {
    const { fake, model } = setup();
    fake.failNext.listConversations = { code: 'internal', message: 'disk I/O error' };
    model.setUser(ADA_ID);
    await vi.waitFor(() => expect(model.list.kind).toBe('failed'));
    await model.reload();
    expect(model.list.kind).toBe('ready');
    expect(model.visible).toHaveLength(4);
  });

  it('notices the cache was rebuilt, until dismissed', async () => {
    const { fake, model } = await signedIn();
    expect(model.cacheRebuilt).toBe(false);
    fake.noticeCacheRebuilt();
    expect(model.cacheRebuilt).toBe(true);
    model.dismissCacheNotice();
    expect(model.cacheRebuilt).toBe(false);
  });
});

describe('undoable delete', () => {
  it('hides the conversation at once and sends nothing when undone', async () => {
    const { fake, model } = await signedIn();
    vi.useFakeTimers();
    model.remove(LYON);
    expect(model.visible.map((c) => c.id)).not.toContain(LYON);
    expect(model.pendingDelete?.id).toBe(LYON);

    await vi.advanceTimersByTimeAsync(5999);
    expect(fake.calls.deleteConversation).toBe(0);
    model.undoDelete();
    expect(model.pendingDelete).toBeNull();
    expect(model.visible.map((c) => c.id)).toContain(LYON);

    await vi.advanceTimersByTimeAsync(60_000);
    expect(fake.calls.deleteConversation).toBe(0);
    expect(fake.hasConversation(LYON)).toBe(true);
  });

  it('deletes for good when the undo window ends', async () => {
    const { fake, model } = await signedIn();
    vi.useFakeTimers();
    model.remove(LYON);
    await vi.advanceTimersByTimeAsync(6000);
    expect(fake.calls.deleteConversation).toBe(1);
    expect(fake.hasConversation(LYON)).toBe(false);
    expect(model.pendingDelete).toBeNull();
    expect(model.visible.map((c) => c.id)).not.toContain(LYON);
    expect(model.hidden.size).toBe(0);
  });

  it('deletes at once when the toast is dismissed, and only once', async () => {
    const { fake, model } = await signedIn();
    vi.useFakeTimers();
    model.remove(LYON);
    await model.commitDelete();
    expect(fake.calls.deleteConversation).toBe(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(fake.calls.deleteConversation).toBe(1);
  });

  it('ends the previous undo window when another conversation is deleted', async () => {
    const { fake, model } = await signedIn();
    vi.useFakeTimers();
    model.remove(LYON);
    model.remove(BUDGET);
    await settle();
    expect(fake.hasConversation(LYON)).toBe(false);
    expect(fake.hasConversation(BUDGET)).toBe(true);
    expect(model.pendingDelete?.id).toBe(BUDGET);
  });

  it('closes the conversation if it was open, and brings it back if the delete fails', async () => {
    const { fake, model } = await signedIn();
    await model.openConversation(LYON);
    vi.useFakeTimers();
    model.remove(LYON);
    expect(model.current).toBeNull();
    fake.failNext.deleteConversation = { code: 'internal', message: 'locked' };
    await vi.advanceTimersByTimeAsync(6000);
    expect(model.visible.map((c) => c.id)).toContain(LYON);
    expect(model.toasts.items).toMatchObject([{ kind: 'failed', action: 'delete', error: { code: 'internal' } }]);
  });
});

describe('rename', () => {
  it('refuses an empty or too long title without calling the backend', async () => {
    const { fake, model } = await signedIn();
    expect(await model.rename(LYON, '  \n ')).toEqual({ kind: 'empty' });
    expect(await model.rename(LYON, 'x'.repeat(201))).toEqual({ kind: 'tooLong' });
    expect(await model.rename(LYON, 'Trip to Lyon')).toBeNull();
    expect(fake.calls.renameConversation).toBe(0);
  });

  it('renames with the tidied title and shows it at once', async () => {
    const { fake, model } = await signedIn();
    expect(await model.rename(LYON, '  Lyon \n weekend ')).toBeNull();
    expect(fake.conversation(LYON)?.title).toBe('Lyon weekend');
    expect(model.visible.find((c) => c.id === LYON)?.title).toBe('Lyon weekend');
  });

  it("returns the backend's refusal", async () => {
    const { fake, model } = await signedIn();
    fake.failNext.renameConversation = { code: 'not_found', message: 'gone' };
    expect(await model.rename(LYON, 'New')).toEqual({ kind: 'backend', error: { code: 'not_found', message: 'gone' } });
    expect(model.visible.find((c) => c.id === LYON)?.title).toBe('Trip to Lyon');
  });
});

describe('sync status', () => {
  it('asks for the status at sign-in, then follows syncChanged', async () => {
    const { fake, model } = await signedIn();
    expect(fake.calls.syncStatus).toBe(1);
    expect(model.sync.state).toBe('synced');
    fake.setOffline(true);
    expect(model.sync).toEqual({ state: 'offline', pending: 2, lastSyncedAt: NOW.toISOString() });
    fake.emitSync({ state: 'syncing', first: true, fetched: 40 });
    expect(model.sync).toEqual({ state: 'syncing', first: true, fetched: 40 });
  });

  it('shows a routine sync only once it has run a while', async () => {
    const { fake, model } = await signedIn();
    vi.useFakeTimers();
    const synced = model.sync;
    fake.emitSync({ state: 'syncing', first: false, fetched: 0 });
    await vi.advanceTimersByTimeAsync(399);
    expect(model.sync).toBe(synced);
    const after = { state: 'synced', pending: 0, lastSyncedAt: NOW.toISOString() } as const;
    fake.emitSync(after);
    expect(model.sync).toEqual(after);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(model.sync).toEqual(after);

    fake.emitSync({ state: 'syncing', first: false, fetched: 3 });
    await vi.advanceTimersByTimeAsync(400);
    expect(model.sync).toEqual({ state: 'syncing', first: false, fetched: 3 });
  });

  it('does not show a routine sync that starts after sign-out', async () => {
    const { fake, model } = await signedIn();
    vi.useFakeTimers();
    fake.emitSync({ state: 'syncing', first: false, fetched: 0 });
    model.setUser(null);
    await vi.advanceTimersByTimeAsync(1000);
    expect(model.sync).toEqual({ state: 'inactive' });
  });

  it('retries with syncHistory and shows the outcome', async () => {
    const { fake, model } = await signedIn();
    fake.emitSync({ state: 'failed', error: { code: 'server', message: 'x' }, pending: 1 });
    await model.retrySync();
    expect(fake.calls.syncHistory).toBe(1);
    expect(model.sync.state).toBe('synced');
  });
});

describe('open conversation', () => {
  it('loads the messages in order and keeps the message to focus', async () => {
    const { fake, model } = await signedIn();
    const [first, second] = fake.conversation(BUDGET)!.messages;
    await model.openConversation(BUDGET, second!.id);
    expect(model.current).toMatchObject({ id: BUDGET, state: 'ready', focus: { messageId: second!.id } });
    expect(model.current?.messages.map((m) => m.id)).toEqual([first!.id, second!.id]);
    expect(model.currentItem?.title).toBe('Budget');
  });

  it('closes when the conversation was deleted elsewhere', async () => {
    const { fake, model } = await signedIn();
    await model.openConversation(LYON);
    await fake.deleteConversation(LYON);
    await vi.waitFor(() => expect(model.current).toBeNull());
  });
});

describe('export and import', () => {
  it('exports the open conversation where the dialog says, and says so', async () => {
    const { fake, model } = await signedIn();
    await model.openConversation(LYON);
    await model.exportCurrent('markdown');
    expect(fake.dialogs[0]).toMatchObject({
      kind: 'save',
      request: { defaultPath: 'Trip-to-Lyon.md', filters: [{ extensions: ['md'] }] },
    });
    expect(fake.exports).toEqual([{ kind: 'conversation', id: LYON, format: 'markdown', path: '/home/demo/Trip-to-Lyon.md' }]);
    expect(model.toasts.items).toMatchObject([{ kind: 'exported', path: '/home/demo/Trip-to-Lyon.md' }]);
  });

  it('does nothing when the dialog is cancelled', async () => {
    const { fake, model } = await signedIn();
    fake.dialogAnswer = null;
    await model.exportAll();
    await model.importBackup();
    expect(fake.calls.chooseSavePath + fake.calls.chooseOpenPath).toBe(2);
    expect(fake.exports).toEqual([]);
    expect(fake.imports).toEqual([]);
    expect(model.toasts.items).toEqual([]);
  });

  it('imports the chosen backup and reports what it added', async () => {
    const { fake, model } = await signedIn();
    fake.dialogAnswer = '/home/ada/backup.json';
    fake.importReport = { conversationsAdded: 1, messagesAdded: 5, duplicatesSkipped: 7 };
    await model.importBackup();
    expect(fake.imports).toEqual(['/home/ada/backup.json']);
    expect(model.toasts.items).toMatchObject([
      { kind: 'imported', report: { conversationsAdded: 1, messagesAdded: 5, duplicatesSkipped: 7 } },
    ]);
    expect(model.importing).toBe(false);
  });
});

describe('sign-out', () => {
  it('clears everything and drops a delete waiting for its undo window', async () => {
    const { fake, model } = await signedIn();
    await model.openConversation(LYON);
    model.search.setQuery('lyon');
    model.openSearch();
    fake.noticeCacheRebuilt();
    vi.useFakeTimers();
    model.remove(BUDGET);

    model.setUser(null);
    expect(model.conversations).toEqual([]);
    expect(model.list.kind).toBe('idle');
    expect(model.current).toBeNull();
    expect(model.pendingDelete).toBeNull();
    expect(model.searchOpen).toBe(false);
    expect(model.search.query).toBe('');
    expect(model.cacheRebuilt).toBe(false);
    expect(model.sync.state).toBe('inactive');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(fake.calls.deleteConversation).toBe(0);
  });

  it('ignores a list that arrives after sign-out, and historyChanged while signed out', async () => {
    const { fake, model } = setup({ delayMs: 20 });
    model.setUser(ADA_ID);
    model.setUser(null);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(model.conversations).toEqual([]);
    const calls = fake.calls.listConversations;
    fake.touch();
    expect(fake.calls.listConversations).toBe(calls);
    expect(model.list.kind).toBe('idle');
  });
});
