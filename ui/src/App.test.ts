// The shell over the in-memory Backend: readiness, header, the About panel
// (info, server status, unreachable state), and the settings.
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { flushSync, mount, unmount } from 'svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import App from './App.svelte';
import type { LaunchState } from './lib/backend';
import { FakeBackend, FAKE_APP_INFO } from './lib/backend-fake';
import { conversation } from './lib/fake-history-seed';
import { Launch } from './lib/launch';
import { resetHistoryMarkForTests } from './lib/startup-mark';
import { locale } from './lib/i18n';
import { theme } from './lib/theme.svelte';
import { recordCalls } from './test/calls';
import { SIGNED_IN_STATE } from './test/history-app';

afterEach(() => {
  locale.setPreference('system');
  theme.setPreference('system');
});

async function renderReady(backend = new FakeBackend()) {
  const result = render(App, { props: { backend } });
  await waitFor(() => expect(result.container.querySelector('[data-ready="true"]')).not.toBeNull());
  return { ...result, backend };
}

async function openAbout() {
  await fireEvent.click(screen.getByTestId('about-open'));
  return screen.findByTestId('about-panel');
}

describe('shell', () => {
  it('becomes ready once appInfo resolved and shows the app name', async () => {
    const { backend } = await renderReady();
    expect(backend.calls.appInfo).toBe(1);
    expect(screen.getByTestId('app-name').textContent).toBe('Native AI');
    const panel = await screen.findByTestId('signin-panel');
    expect(panel.textContent).toContain('Sign in to Native AI');
    expect(screen.getByTestId('auth-signin-form')).toBeTruthy();
  });

  it('marks the root "error" when appInfo fails', async () => {
    const { container } = render(App, {
      props: { backend: new FakeBackend({ appInfo: { code: 'internal', message: 'boom' } }) },
    });
    await waitFor(() => expect(container.querySelector('[data-ready="error"]')).not.toBeNull());
    expect(screen.getByTestId('load-error')).toBeTruthy();
  });

  it('shows the demo badge only for the demo provider', async () => {
    await renderReady();
    await screen.findByTestId('demo-badge');

    document.body.innerHTML = '';
    const mistral = new FakeBackend({
      serverStatus: { status: 'ok', data: { provider: 'mistral', model: 'mistral-small-latest', version: '0.1.0' } },
    });
    await renderReady(mistral);
    await waitFor(() => expect(mistral.calls.serverStatus).toBe(1));
    expect(screen.queryByTestId('demo-badge')).toBeNull();
  });
});

describe('first frame', () => {
  /** A backend whose launch state waits until the test hands it over. */
  function heldLaunch() {
    const backend = new FakeBackend();
    let answer: (launch: LaunchState) => void = () => undefined;
    vi.spyOn(backend, 'launchState').mockReturnValue(new Promise((resolve) => (answer = resolve)));
    return { backend, answer: (launch: LaunchState) => answer(launch) };
  }

  it('draws nothing until the launch state is in, then the screen it calls for', async () => {
    const { backend, answer } = heldLaunch();
    const { container } = render(App, { props: { backend, launchWaitMs: 60_000 } });
    await waitFor(() => expect(container.querySelector('[data-ready="true"]')).not.toBeNull());
    expect(screen.queryByTestId('app-name')).toBeNull();
    expect(screen.queryByText('Restoring your session…')).toBeNull();

    answer({ auth: { status: 'signedOut', reason: null }, conversations: null });
    expect(await screen.findByTestId('signin-panel')).toBeTruthy();
    expect(screen.getByTestId('app-name').textContent).toBe('Native AI');
  });

  it('takes the launch main.ts started and draws its screen without asking again', async () => {
    const backend = new FakeBackend();
    const ask = vi.spyOn(backend, 'launchState');
    const launch = new Launch(backend);
    await launch.startWithin(1000);
    expect(launch.auth.settled).toBe(true);
    render(App, { props: { backend, launch, launchWaitMs: 0 } });
    expect(await screen.findByTestId('signin-panel')).toBeTruthy();
    expect(ask).toHaveBeenCalledTimes(1);
  });

  it('asks for what the first screen does not show only once that screen is painted', async () => {
    const frames: FrameRequestCallback[] = [];
    vi.stubGlobal('requestAnimationFrame', (callback: FrameRequestCallback) => frames.push(callback));
    const backend = new FakeBackend();
    const quota = vi.spyOn(backend, 'quota');
    await backend.auth.signUp('first@example.com', 'correct horse battery');
    const launch = new Launch(backend);
    await launch.startWithin(1000);
    render(App, { props: { backend, launch, launchWaitMs: 0 } });
    expect(await screen.findByTestId('new-chat')).toBeTruthy();
    expect(backend.calls).toEqual({ appInfo: 0, serverStatus: 0 });
    expect(quota).not.toHaveBeenCalled();

    for (const frame of frames.splice(0)) frame(performance.now());
    await waitFor(() => expect(backend.calls).toEqual({ appInfo: 1, serverStatus: 1 }));
    await waitFor(() => expect(quota).toHaveBeenCalledTimes(1));
  });

  /** Signed in, with a history long enough for the virtual list, launched as main.ts does it. */
  async function launchedLongHistory() {
    const conversations = Array.from({ length: 300 }, (_, i) =>
      conversation(100 + i, `Conversation ${i}`, new Date(Date.now() - i * 60_000), []),
    );
    const backend = new FakeBackend({ auth: { initial: SIGNED_IN_STATE }, history: { conversations } });
    const launch = new Launch(backend);
    await launch.startWithin(1000);
    return { backend, launch };
  }

  it('draws the cached history, rows included, in the mount itself', async () => {
    const { backend, launch } = await launchedLongHistory();
    // Svelte's own mount, as main.ts does it: no effect has run yet, so
    // this is what the first pass drew, before any redraw could.
    const target = document.body.appendChild(document.createElement('div'));
    const app = mount(App, { target, props: { backend, launch, launchWaitMs: 0 } });
    try {
      expect(within(target).getByTestId('conversation-list').dataset['state']).toBe('ready');
      expect(within(target).queryAllByTestId('conversation-item').length).toBeGreaterThan(10);
    } finally {
      flushSync(() => unmount(app));
      target.remove();
    }
  });

  it('sends the startup report ahead of what it asks once the first frame is painted', async () => {
    resetHistoryMarkForTests();
    const frames: FrameRequestCallback[] = [];
    vi.stubGlobal('requestAnimationFrame', (callback: FrameRequestCallback) => frames.push(callback));
    const { backend, launch } = await launchedLongHistory();
    const sent = recordCalls(backend, ['historyVisible', 'appInfo', 'serverStatus', 'quota']);
    render(App, { props: { backend, launch, launchWaitMs: 0 } });
    await screen.findAllByTestId('conversation-item');
    expect(sent).toEqual([]);

    // The app's main thread answers requests in order: one queued ahead of
    // the report delayed the launch's figure by its own handling.
    for (const frame of frames.splice(0)) frame(performance.now());
    await waitFor(() => expect(sent).toHaveLength(4));
    expect(sent[0]).toBe('historyVisible');
  });

  it('draws the shell, restoring, when the launch state is slow', async () => {
    const { backend } = heldLaunch();
    render(App, { props: { backend, launchWaitMs: 20 } });
    expect(await screen.findByText('Restoring your session…')).toBeTruthy();
    expect(screen.getByTestId('app-name').textContent).toBe('Native AI');
  });
});

describe('About panel', () => {
  it('shows the build info and a reachable server', async () => {
    await renderReady();
    expect(screen.queryByTestId('about-panel')).toBeNull();
    const panel = await openAbout();
    expect(panel.getAttribute('role')).toBe('dialog');
    expect(screen.getByTestId('app-version').textContent?.trim()).toBe(FAKE_APP_INFO.version);
    expect(screen.getByTestId('supabase-url').textContent?.trim()).toBe(FAKE_APP_INFO.supabaseUrl);
    expect(screen.getByTestId('native-api-url').textContent?.trim()).toBe(FAKE_APP_INFO.nativeApiUrl);
    const status = screen.getByTestId('server-status');
    await waitFor(() => expect(status.dataset['state']).toBe('reachable'));
    expect(status.textContent).toContain('Reachable');
    expect(status.textContent).toContain('demo-echo');
    expect(status.textContent).toContain('Demo');
  });

  it('says "Not configured" for missing URLs', async () => {
    const backend = new FakeBackend({
      appInfo: { ...FAKE_APP_INFO, supabaseUrl: null, nativeApiUrl: null },
    });
    await renderReady(backend);
    await openAbout();
    for (const id of ['supabase-url', 'native-api-url']) {
      const cell = screen.getByTestId(id);
      expect(cell.textContent?.trim()).toBe('Not configured');
      expect(cell.dataset['configured']).toBe('false');
    }
  });

  it('shows the unreachable state with the message for the code, never the raw text', async () => {
    const secret = 'reqwest error: connect to 10.0.0.7:8787 refused';
    const backend = new FakeBackend({
      serverStatus: { status: 'error', error: { code: 'internal', message: secret } },
    });
    await renderReady(backend);
    await openAbout();
    const status = screen.getByTestId('server-status');
    await waitFor(() => expect(status.dataset['state']).toBe('unreachable'));
    expect(status.textContent).toContain('Unreachable');
    expect(status.textContent).toContain('Something went wrong inside the app.');
    expect(document.body.textContent).not.toContain(secret);
    expect(screen.queryByTestId('demo-badge')).toBeNull();
  });

  it('re-checks the server when asked, and shows recovery', async () => {
    const backend = new FakeBackend({
      serverStatus: { status: 'error', error: { code: 'offline', message: 'refused' } },
    });
    await renderReady(backend);
    await openAbout();
    await waitFor(() => expect(screen.getByTestId('server-error').dataset['code']).toBe('offline'));
    expect(screen.getByTestId('server-status').textContent).toContain('cannot be reached');

    backend.serverStatusResult = { status: 'ok', data: { provider: 'demo', model: 'm', version: '1' } };
    await fireEvent.click(screen.getByTestId('server-recheck'));
    await waitFor(() => expect(screen.getByTestId('server-status').dataset['state']).toBe('reachable'));
    await screen.findByTestId('demo-badge');
  });

  it('closes with the close button and with Escape, giving focus back', async () => {
    await renderReady();
    await openAbout();
    expect(document.activeElement).toBe(screen.getByTestId('about-close'));
    await fireEvent.click(screen.getByTestId('about-close'));
    expect(screen.queryByTestId('about-panel')).toBeNull();
    expect(document.activeElement).toBe(screen.getByTestId('about-open'));

    await openAbout();
    await fireEvent.keyDown(document, { key: 'Escape' });
    expect(screen.queryByTestId('about-panel')).toBeNull();
  });
});

describe('settings', () => {
  it('switches the language live and remembers it', async () => {
    await renderReady();
    const select = screen.getByTestId('locale-select') as HTMLSelectElement;
    expect(select.value).toBe('system');
    await fireEvent.change(select, { target: { value: 'fr' } });
    expect(document.documentElement.lang).toBe('fr');
    expect(localStorage.getItem('native.locale')).toBe('fr');
    expect((await screen.findByTestId('signin-panel')).textContent).toContain('Connexion à Native AI');
    expect(screen.getByTestId('auth-submit').textContent).toContain('Se connecter');
    expect(screen.getByTestId('about-open').textContent).toContain('À propos');
  });

  it('switches the theme and remembers it', async () => {
    await renderReady();
    const select = screen.getByTestId('theme-select') as HTMLSelectElement;
    await fireEvent.change(select, { target: { value: 'dark' } });
    expect(document.documentElement.dataset['theme']).toBe('dark');
    expect(localStorage.getItem('native.theme')).toBe('dark');
    expect(select.value).toBe('dark');
  });
});
