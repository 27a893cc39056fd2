// Entry point: applies the saved theme and locale (their modules do so on
// import), picks the Backend (Tauri IPC inside the app; in a plain browser the
// in-memory fake, or with `?backend=http` a benchmark's test server) and
// mounts the shell.
import { mount } from 'svelte';
import App from './App.svelte';
import { isTauri, type Backend } from './lib/backend';
import { tauriBackend } from './lib/backend-tauri';
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

void createBackend().then((backend) => mount(App, { target, props: { backend } }));
