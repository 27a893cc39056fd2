// The shell's views that the signed-in first screen does not show, each a
// chunk of its own: the sign-in screens, an open conversation and the
// About, search, plans and link dialogs. At a cold start the launch answer
// reaches the page only once the shell's chunk has been fetched, compiled
// and run (BENCHMARKS.md, session 12), so what that chunk carries is on the
// first screen's path; these are not needed for it.
//
// `preloadViews` fetches them all once the first screen is painted (the
// shell calls it a frame after the history's report, App.svelte), so a
// dialog opened later is already compiled and opens in the same frame as
// the click; a view asked for sooner loads itself (App.svelte awaits its
// loader). A module is fetched once whoever asks first.
//
// Each loader hands every caller the first call's promise (`shared`), so a
// view opened while its preload is on its way waits for that one fetch.
// The views carry no stylesheet of their own: all the CSS is in the one
// sheet index.html loads (vite.config.ts, `cssCodeSplit`), so a view is
// never drawn before its styles.

import { shared } from './shared';

export const views = {
  auth: shared(() => import('./components/auth/AuthScreen.svelte')),
  conversation: shared(() => import('./components/history/ConversationView.svelte')),
  about: shared(() => import('./components/AboutDialog.svelte')),
  search: shared(() => import('./components/history/SearchDialog.svelte')),
  plans: shared(() => import('./components/billing/PlansDialog.svelte')),
  link: shared(() => import('./components/chat/LinkDialog.svelte')),
} as const;

/**
 * Starts fetching every view. A failed fetch is not an error here: the view
 * asks again when it is opened, and says so there if it still fails.
 */
export function preloadViews(): void {
  for (const load of Object.values(views)) void load().catch(() => undefined);
}
