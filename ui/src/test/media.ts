// A controllable stand-in for `matchMedia('(prefers-color-scheme: dark)')`.
import type { DarkQuery } from '../lib/theme.svelte';

export class FakeDarkQuery implements DarkQuery {
  matches: boolean;
  #listeners: ((event: { matches: boolean }) => void)[] = [];

  constructor(matches: boolean) {
    this.matches = matches;
  }

  addEventListener(_type: 'change', listener: (event: { matches: boolean }) => void): void {
    this.#listeners.push(listener);
  }

  /** Simulates the OS switching between light and dark. */
  set(matches: boolean): void {
    this.matches = matches;
    for (const listener of this.#listeners) listener({ matches });
  }
}
