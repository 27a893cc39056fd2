// Entry point: applies the saved theme and locale (their modules do so on
// import), picks the Backend (Tauri IPC inside the app; in a plain browser the
// in-memory fake, or with `?backend=http` a benchmark's test server), starts
// the launch (lib/launch.ts) and mounts the shell once the session is known.
//
// The shell's components are a chunk of their own, fetched and compiled
// while the launch state is on its way: in one bundle, the question waited
// for the whole shell to be fetched and evaluated first (~12 ms of every
// cold start, BENCHMARKS.md), and the answer is what the first screen waits
// for anyway. This entry holds the backend, the session and history models
// and the styles; the shell's chunk holds the signed-in first screen, and
// the other views are chunks of their own (lib/views.ts).
import { mount } from 'svelte';
import { isTauri, type Backend } from './lib/backend';
import { tauriBackend } from './lib/backend-tauri';
import { Launch, LAUNCH_WAIT_MS } from './lib/launch';
import './lib/i18n';
import './lib/theme.svelte';
// The UI's typeface, bundled (see styles/theme.css); index.html preloads
// its Latin file so the first layout finds it loaded.
import '@fontsource-variable/inter';
import '@fontsource-variable/inter/wght-italic.css';
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

// Asked for first, so it loads alongside the launch state.
const shell = import('./App.svelte');

void createBackend().then(async (backend) => {
  // The shell is mounted once the session is known, so its first screen is
  // the right one; it was waited for already, so the shell draws at once.
  const launch = new Launch(backend);
  await launch.startWithin(LAUNCH_WAIT_MS);
  const { default: App, loadFirstScreen } = await shell;
  await loadFirstScreen(launch.auth.view.kind === 'signedIn');
  mount(App, { target, props: { backend, launch, launchWaitMs: 0 } });
});
