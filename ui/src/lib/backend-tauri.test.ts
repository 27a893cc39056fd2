// The Tauri Backend over mocked generated commands: results pass through,
// and any rejection becomes an `{code, message}` outcome instead of a throw.
import { beforeEach, describe, expect, it, vi } from 'vitest';

const mocks = vi.hoisted(() => ({ appInfo: vi.fn(), serverStatus: vi.fn() }));
vi.mock('./bindings', () => ({ commands: mocks }));

import { tauriBackend } from './backend-tauri';
import { isTauri } from './backend';

describe('tauriBackend', () => {
  beforeEach(() => {
    mocks.appInfo.mockReset();
    mocks.serverStatus.mockReset();
  });

  it('passes app info and an ok status through', async () => {
    const info = { name: 'Native AI', version: '1.2.3', supabaseUrl: null, nativeApiUrl: null };
    mocks.appInfo.mockResolvedValue(info);
    const ok = { status: 'ok', data: { provider: 'mistral', model: 'mistral-small-latest', version: '0.1.0' } };
    mocks.serverStatus.mockResolvedValue(ok);
    const backend = tauriBackend();
    expect(await backend.appInfo()).toEqual(info);
    expect(await backend.serverStatus()).toEqual(ok);
  });

  it('normalises a malformed error and a thrown IPC failure to internal', async () => {
    const backend = tauriBackend();
    mocks.serverStatus.mockResolvedValue({ status: 'error', error: 'command server_status not found' });
    expect(await backend.serverStatus()).toMatchObject({ status: 'error', error: { code: 'internal' } });
    mocks.serverStatus.mockRejectedValue(new Error('IPC channel closed'));
    expect(await backend.serverStatus()).toMatchObject({ status: 'error', error: { code: 'internal' } });
  });

  it('keeps a well-formed error body', async () => {
    mocks.serverStatus.mockResolvedValue({ status: 'error', error: { code: 'offline', message: 'refused' } });
    expect(await tauriBackend().serverStatus()).toEqual({
      status: 'error',
      error: { code: 'offline', message: 'refused' },
    });
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
