// The Tauri Backend over mocked generated commands, events and the dialog
// plugin: results pass through, any rejection becomes an `{code, message}`
// outcome instead of a throw, and subscriptions can be stopped before they
// exist. The billing commands and `quotaChanged` go through the same way.
import { beforeEach, describe, expect, it, vi } from 'vitest';

const mocks = vi.hoisted(() => ({
  commands: {
    appInfo: vi.fn(),
    serverStatus: vi.fn(),
    authState: vi.fn(),
    signIn: vi.fn(),
    signUp: vi.fn(),
    requestPasswordReset: vi.fn(),
    setNewPassword: vi.fn(),
    startOauth: vi.fn(),
    cancelOauth: vi.fn(),
    signOut: vi.fn(),
    listConversations: vi.fn(),
    conversationMessages: vi.fn(),
    searchHistory: vi.fn(),
    renameConversation: vi.fn(),
    deleteConversation: vi.fn(),
    syncHistory: vi.fn(),
    syncStatus: vi.fn(),
    exportConversation: vi.fn(),
    exportHistory: vi.fn(),
    importHistory: vi.fn(),
    quota: vi.fn(),
    plans: vi.fn(),
    openCheckout: vi.fn(),
  },
  listen: vi.fn(),
  historyListen: vi.fn(),
  syncListen: vi.fn(),
  noticeListen: vi.fn(),
  quotaListen: vi.fn(),
  save: vi.fn(),
  open: vi.fn(),
}));
vi.mock('./wire', () => ({
  commands: mocks.commands,
  events: {
    authChanged: { listen: mocks.listen },
    historyChanged: { listen: mocks.historyListen },
    syncChanged: { listen: mocks.syncListen },
    cacheNoticed: { listen: mocks.noticeListen },
    quotaChanged: { listen: mocks.quotaListen },
  },
}));
vi.mock('@tauri-apps/plugin-dialog', () => ({ save: mocks.save, open: mocks.open }));

import { tauriBackend } from './backend-tauri';
import { isTauri, type AuthState } from './backend';

const SIGNED_IN: AuthState = {
  status: 'signedIn',
  user: { id: 'u1', email: 'a@example.com' },
  offline: false,
  persistence: 'keychain',
};

describe('tauriBackend', () => {
  beforeEach(() => {
    for (const mock of Object.values(mocks.commands)) mock.mockReset();
    for (const mock of [mocks.listen, mocks.historyListen, mocks.syncListen, mocks.noticeListen, mocks.quotaListen, mocks.save, mocks.open]) {
      mock.mockReset();
    }
  });

  it('passes app info and an ok status through', async () => {
    const info = { name: 'Native AI', version: '1.2.3', supabaseUrl: null, nativeApiUrl: null };
    mocks.commands.appInfo.mockResolvedValue(info);
    const ok = { status: 'ok', data: { provider: 'mistral', model: 'mistral-small-latest', version: '0.1.0' } };
    mocks.commands.serverStatus.mockResolvedValue(ok);
    const backend = tauriBackend();
    expect(await backend.appInfo()).toEqual(info);
    expect(await backend.serverStatus()).toEqual(ok);
  });

  it('normalises a malformed error and a thrown IPC failure to internal', async () => {
    const backend = tauriBackend();
    mocks.commands.serverStatus.mockResolvedValue({ status: 'error', error: 'command server_status not found' });
    expect(await backend.serverStatus()).toMatchObject({ status: 'error', error: { code: 'internal' } });
    mocks.commands.serverStatus.mockRejectedValue(new Error('IPC channel closed'));
    expect(await backend.serverStatus()).toMatchObject({ status: 'error', error: { code: 'internal' } });
  });

  it('keeps a well-formed error body', async () => {
    mocks.commands.serverStatus.mockResolvedValue({ status: 'error', error: { code: 'offline', message: 'refused' } });
    expect(await tauriBackend().serverStatus()).toEqual({
      status: 'error',
      error: { code: 'offline', message: 'refused' },
    });
  });

  it('forwards the auth commands with their arguments', async () => {
    const ok = { status: 'ok', data: SIGNED_IN };
    mocks.commands.signIn.mockResolvedValue(ok);
    mocks.commands.startOauth.mockResolvedValue({ status: 'error', error: { code: 'timed_out', message: 'x' } });
    mocks.commands.requestPasswordReset.mockRejectedValue('panicked');
    const backend = tauriBackend();
    expect(await backend.signIn('a@example.com', 'secret-1')).toEqual(ok);
    expect(mocks.commands.signIn).toHaveBeenCalledWith('a@example.com', 'secret-1');
    expect(await backend.startOauth('github')).toMatchObject({ status: 'error', error: { code: 'timed_out' } });
    expect(mocks.commands.startOauth).toHaveBeenCalledWith('github');
    expect(await backend.requestPasswordReset('a@example.com')).toMatchObject({ error: { code: 'internal' } });
  });

  it('delivers authChanged payloads until unsubscribed, even before listen resolved', async () => {
    let handler: ((event: { payload: AuthState }) => void) | undefined;
    const unlisten = vi.fn();
    let resolveListen: (stop: () => void) => void = () => undefined;
    mocks.listen.mockImplementation((cb: typeof handler) => {
      handler = cb;
      return new Promise((resolve) => (resolveListen = resolve));
    });
    const seen: AuthState[] = [];
    const stop = tauriBackend().onAuthChanged((state) => seen.push(state));
    handler?.({ payload: SIGNED_IN });
    expect(seen).toEqual([SIGNED_IN]);
    stop();
    handler?.({ payload: { status: 'signedOut', reason: null } });
    expect(seen).toHaveLength(1);
    resolveListen(unlisten);
    await vi.waitFor(() => expect(unlisten).toHaveBeenCalledTimes(1));
  });

  it('forwards the history commands with their arguments and normalises failures', async () => {
    const item = { id: 'c1', title: 'T', lastActivity: '2025-06-15T10:00:00Z', messageCount: 2, pending: false };
    mocks.commands.listConversations.mockResolvedValue({ status: 'ok', data: [item] });
    mocks.commands.renameConversation.mockResolvedValue({ status: 'error', error: { code: 'invalid_input', message: 'empty' } });
    mocks.commands.exportConversation.mockResolvedValue({ status: 'ok', data: null });
    mocks.commands.importHistory.mockRejectedValue(new Error('IPC channel closed'));
    mocks.commands.syncStatus.mockResolvedValue({ state: 'inactive' });
    const backend = tauriBackend();
    expect(await backend.listConversations()).toEqual({ status: 'ok', data: [item] });
    expect(await backend.renameConversation('c1', '')).toEqual({
      status: 'error',
      error: { code: 'invalid_input', message: 'empty' },
    });
    expect(mocks.commands.renameConversation).toHaveBeenCalledWith('c1', '');
    expect(await backend.exportConversation('c1', 'json', '/tmp/c1.json')).toEqual({ status: 'ok', data: null });
    expect(mocks.commands.exportConversation).toHaveBeenCalledWith('c1', 'json', '/tmp/c1.json');
    expect(await backend.importHistory('/tmp/b.json')).toMatchObject({ status: 'error', error: { code: 'internal' } });
    expect(await backend.syncStatus()).toEqual({ state: 'inactive' });
  });

  it('opens the native dialogs: a path, null when cancelled, an error when they fail', async () => {
    const request = { title: 'Export', defaultPath: 'a.md', filters: [{ name: 'Markdown', extensions: ['md'] }] };
    mocks.save.mockResolvedValueOnce('/home/a/a.md').mockResolvedValueOnce(null);
    mocks.open.mockRejectedValue('dialog plugin not allowed');
    const backend = tauriBackend();
    expect(await backend.chooseSavePath(request)).toEqual({ status: 'ok', data: '/home/a/a.md' });
    expect(mocks.save).toHaveBeenCalledWith(request);
    expect(await backend.chooseSavePath(request)).toEqual({ status: 'ok', data: null });
    expect(await backend.chooseOpenPath({ title: 'Import', filters: [] })).toMatchObject({
      status: 'error',
      error: { code: 'internal' },
    });
    expect(mocks.open).toHaveBeenCalledWith(expect.objectContaining({ multiple: false, directory: false }));
  });

  it('delivers the history events until unsubscribed', async () => {
    const handlers: Record<string, (event: { payload: unknown }) => void> = {};
    const stops = { history: vi.fn(), sync: vi.fn(), notice: vi.fn() };
    mocks.historyListen.mockImplementation(async (cb) => ((handlers['history'] = cb), stops.history));
    mocks.syncListen.mockImplementation(async (cb) => ((handlers['sync'] = cb), stops.sync));
    mocks.noticeListen.mockImplementation(async (cb) => ((handlers['notice'] = cb), stops.notice));
    const backend = tauriBackend();
    const seen: unknown[] = [];
    const off = [
      backend.onHistoryChanged((revision) => seen.push(revision)),
      backend.onSyncChanged((status) => seen.push(status)),
      backend.onCacheNotice((notice) => seen.push(notice)),
    ];
    handlers['history']?.({ payload: 7 });
    handlers['sync']?.({ payload: { state: 'syncing', first: true, fetched: 3 } });
    handlers['notice']?.({ payload: { kind: 'rebuilt' } });
    expect(seen).toEqual([7, { state: 'syncing', first: true, fetched: 3 }, { kind: 'rebuilt' }]);
    for (const stop of off) stop();
    handlers['history']?.({ payload: 8 });
    expect(seen).toHaveLength(3);
    await vi.waitFor(() => expect(stops.notice).toHaveBeenCalledTimes(1));
    expect(stops.history).toHaveBeenCalledTimes(1);
    expect(stops.sync).toHaveBeenCalledTimes(1);
  });

  it('forwards the billing commands and delivers quotaChanged until unsubscribed', async () => {
    const quota = {
      plan: 'free',
      period_key: '2025-W24',
      period_ends_at: '2025-06-16T00:00:00Z',
      allowance: 25_000,
      used: 10,
      credits: 0,
      remaining: 24_990,
    };
    mocks.commands.quota.mockResolvedValue({ status: 'ok', data: quota });
    mocks.commands.plans.mockRejectedValue(new Error('IPC channel closed'));
    mocks.commands.openCheckout.mockResolvedValue({ status: 'error', error: { code: 'not_configured', message: 'no link' } });
    let handler: ((event: { payload: unknown }) => void) | undefined;
    const stop = vi.fn();
    mocks.quotaListen.mockImplementation(async (cb) => ((handler = cb), stop));
    const backend = tauriBackend();
    expect(await backend.quota()).toEqual({ status: 'ok', data: quota });
    expect(await backend.plans()).toMatchObject({ status: 'error', error: { code: 'internal' } });
    expect(await backend.openCheckout('top_up250k')).toEqual({
      status: 'error',
      error: { code: 'not_configured', message: 'no link' },
    });
    expect(mocks.commands.openCheckout).toHaveBeenCalledWith('top_up250k');
    const seen: unknown[] = [];
    const off = backend.onQuotaChanged((q) => seen.push(q));
    handler?.({ payload: quota });
    off();
    handler?.({ payload: { ...quota, used: 20 } });
    expect(seen).toEqual([quota]);
    await vi.waitFor(() => expect(stop).toHaveBeenCalledTimes(1));
  });

  it('is chosen only when Tauri injected its internals', () => {
    expect(isTauri()).toBe(false);
    Object.defineProperty(window, '__TAURI_INTERNALS__', { configurable: true, value: {} });
    try {
      expect(isTauri()).toBe(true);
    } finally {
      Reflect.deleteProperty(window, '__TAURI_INTERNALS__');
    }
  });
});
