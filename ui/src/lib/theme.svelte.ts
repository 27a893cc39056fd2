// The reactive theme: the user's preference (System / Light / Dark), persisted
// under `native.theme`, resolved to light or dark and applied as
// `data-theme` on <html>. "System" follows `prefers-color-scheme` live.
import { browserStorage, type KeyValueStore } from './storage';

export type Theme = 'light' | 'dark';
export type ThemePreference = Theme | 'system';
export const THEME_PREFERENCES = ['system', 'light', 'dark'] as const satisfies readonly ThemePreference[];

export const THEME_STORAGE_KEY = 'native.theme';
export const DARK_QUERY = '(prefers-color-scheme: dark)';

export function parseThemePreference(value: string | null): ThemePreference {
  return value === 'light' || value === 'dark' ? value : 'system';
}

export function resolveTheme(preference: ThemePreference, systemPrefersDark: boolean): Theme {
  if (preference !== 'system') return preference;
  return systemPrefersDark ? 'dark' : 'light';
}

/** The part of MediaQueryList the theme uses. */
export interface DarkQuery {
  readonly matches: boolean;
  addEventListener(type: 'change', listener: (event: { matches: boolean }) => void): void;
}

/** What the theme state reads from and writes to; injectable for tests. */
export interface ThemeEnv {
  storage: KeyValueStore;
  darkQuery: DarkQuery | null;
  root?: HTMLElement | null;
}

export class ThemeState {
  #env: ThemeEnv;
  #preference = $state<ThemePreference>('system');
  #systemDark = $state(false);

  constructor(env: ThemeEnv) {
    this.#env = env;
    this.#preference = parseThemePreference(env.storage.get(THEME_STORAGE_KEY));
    this.#systemDark = env.darkQuery?.matches ?? false;
    env.darkQuery?.addEventListener('change', (event) => {
      this.#systemDark = event.matches;
      this.#apply();
    });
    this.#apply();
  }

  get preference(): ThemePreference {
    return this.#preference;
  }

  /** The theme in effect. */
  get current(): Theme {
    return resolveTheme(this.#preference, this.#systemDark);
  }

  setPreference(preference: ThemePreference): void {
    this.#preference = preference;
    if (preference === 'system') this.#env.storage.remove(THEME_STORAGE_KEY);
    else this.#env.storage.set(THEME_STORAGE_KEY, preference);
    this.#apply();
  }

  #apply(): void {
    if (this.#env.root) this.#env.root.dataset['theme'] = this.current;
  }
}

export function browserThemeEnv(): ThemeEnv {
  const hasMatchMedia = typeof window !== 'undefined' && typeof window.matchMedia === 'function';
  return {
    storage: browserStorage,
    darkQuery: hasMatchMedia ? window.matchMedia(DARK_QUERY) : null,
    root: typeof document !== 'undefined' ? document.documentElement : null,
  };
}

/** The app's one theme state. */
export const theme = new ThemeState(browserThemeEnv());
