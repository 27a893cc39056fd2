// The launch, begun before the shell mounts. `main.ts` builds the session
// and history models, subscribes them to their events and asks for the
// launch state as soon as the entry chunk has run, then mounts the shell
// once the answer is applied (or `waitMs` passed), so the first screen is
// drawn once, signed in or not. Asked from the shell's `onMount` instead,
// the question waited behind the shell's mount and its answer behind a
// blank first frame: ~30 ms of every cold start (BENCHMARKS.md). The
// models subscribe before the question is asked, as they did in the shell,
// so no session or history change sent meanwhile is missed. Once the
// answer is in, the history is set on the session's user, so the shell
// mounts with the cached list ready to draw.
import { AuthModel } from './auth.svelte';
import type { Backend } from './backend';
import { HistoryModel, type HistoryOptions } from './history.svelte';

/** How long the window may stay blank waiting for the launch state (a keychain waiting to be unlocked). */
export const LAUNCH_WAIT_MS = 300;

export class Launch {
  readonly auth: AuthModel;
  readonly history: HistoryModel;
  #started: Promise<void> | null = null;

  constructor(backend: Backend, historyOptions: HistoryOptions = {}) {
    this.auth = new AuthModel(backend);
    this.history = new HistoryModel(backend, historyOptions);
  }

  /**
   * Subscribes both models, then asks for the launch state, whose cached
   * list seeds the history. Asks once: later calls return the same promise,
   * which resolves once the answer is applied.
   */
  start(): Promise<void> {
    this.#started ??= this.#begin();
    return this.#started;
  }

  /**
   * Starts the launch and resolves once the session is known, or after
   * `waitMs` (a keychain waiting to be unlocked), whichever comes first.
   */
  async startWithin(waitMs: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)));
    await Promise.race([this.start(), waited]);
    clearTimeout(timer);
  }

  stop(): void {
    this.auth.stop();
    this.history.stop();
  }

  async #begin(): Promise<void> {
    this.history.start();
    await this.auth.start((launch) => this.history.seed(launch));
    // The history follows the session from here, not from the shell's
    // first effect, so the mount draws the seeded list at once; from the
    // effect it was drawn as "loading" first and the list a pass later,
    // before the first frame (BENCHMARKS.md, session 18). The shell's
    // effect then finds the history on this user already.
    const view = this.auth.view;
    if (view.kind === 'signedIn') this.history.setUser(view.user.id);
  }
}
