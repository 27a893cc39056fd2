// Entry point: applies the saved theme and locale (their modules do so on
// import), picks the Backend (Tauri IPC inside the app; in a plain browser the
// in-memory fake, or with `?backend=http` a benchmark's test server), starts
// the launch (lib/launch.ts) and mounts the shell once the session is known.
import { mount } from 'svelte';
import App from './App.svelte';
import { isTauri, type Backend } from './lib/backend';
import { tauriBackend } from './lib/backend-tauri';
import { Launch, LAUNCH_WAIT_MS } from './lib/launch';
import './lib/i18n';
import './lib/theme.svelte';
import './styles/theme.css';
import './styles/base.css';
import './styles/markdown.css';

async function createBackend(): Promise<Backend> {
  if (isTauri()) return tauriBackend();
  // Both loaded only outside Tauri, so neither ships in the app's startup path.
  if (new URLSearchParams(window.location.search).get('backend') === 'http') {
    const { httpBackend } = await import('./lib/backend-http');
    return httpBackend(window.location.origin);
  }
  const { devFakeBackend } = await import('./lib/backend-fake');
  return devFakeBackend(window.location.search);
}

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');

void createBackend().then(async (backend) => {
  // The shell is mounted once the session is known, so its first screen is
  // the right one; it was waited for already, so the shell draws at once.
  const launch = new Launch(backend);
  await launch.startWithin(LAUNCH_WAIT_MS);
  mount(App, { target, props: { backend, launch, launchWaitMs: 0 } });
});
