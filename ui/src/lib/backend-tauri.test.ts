// The Tauri Backend over mocked generated commands and events: results pass
// through, any rejection becomes an `{code, message}` outcome instead of a
// throw, and the authChanged subscription can be stopped before it exists.
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
  },
  listen: vi.fn(),
}));
vi.mock('./wire', () => ({ commands: mocks.commands, events: { authChanged: { listen: mocks.listen } } }));

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
    mocks.listen.mockReset();
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
