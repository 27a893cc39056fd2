// The reactive locale: the user's preference (System / English / Français),
// persisted under `native.locale`, and the locale in effect. "System" follows
// `navigator.languages` live. `document.documentElement.lang` is kept in sync.
import { browserStorage, type KeyValueStore } from '../storage';

export const LOCALES = ['en', 'fr'] as const;
export type Locale = (typeof LOCALES)[number];
export type LocalePreference = Locale | 'system';
export const LOCALE_PREFERENCES = ['system', ...LOCALES] as const satisfies readonly LocalePreference[];

export const LOCALE_STORAGE_KEY = 'native.locale';

/** The first of the user's languages that the app speaks; English otherwise. */
export function detectLocale(languages: readonly string[]): Locale {
  for (const tag of languages) {
    const primary = tag.toLowerCase().split(/[-_]/)[0];
    if (primary === 'fr') return 'fr';
    if (primary === 'en') return 'en';
  }
  return 'en';
}

export function parseLocalePreference(value: string | null): LocalePreference {
  return value === 'en' || value === 'fr' ? value : 'system';
}

/** What the locale state reads from and writes to; injectable for tests. */
export interface LocaleEnv {
  storage: KeyValueStore;
  languages(): readonly string[];
  /** Subscribes to changes of the system languages. */
  onLanguagesChange?(listener: () => void): void;
  root?: HTMLElement | null;
}

export class LocaleState {
  #env: LocaleEnv;
  #preference = $state<LocalePreference>('system');
  #system = $state<Locale>('en');

  constructor(env: LocaleEnv) {
    this.#env = env;
    this.#preference = parseLocalePreference(env.storage.get(LOCALE_STORAGE_KEY));
    this.#system = detectLocale(env.languages());
    env.onLanguagesChange?.(() => {
      this.#system = detectLocale(env.languages());
      this.#sync();
    });
    this.#sync();
  }

  get preference(): LocalePreference {
    return this.#preference;
  }

  /** The locale in effect: the user's choice, or the detected one for "System". */
  get current(): Locale {
    return this.#preference === 'system' ? this.#system : this.#preference;
  }

  setPreference(preference: LocalePreference): void {
    this.#preference = preference;
    if (preference === 'system') this.#env.storage.remove(LOCALE_STORAGE_KEY);
    else this.#env.storage.set(LOCALE_STORAGE_KEY, preference);
    this.#sync();
  }

  #sync(): void {
    if (this.#env.root) this.#env.root.lang = this.current;
  }
}

function browserLanguages(): readonly string[] {
  if (typeof navigator === 'undefined') return [];
  if (navigator.languages?.length) return navigator.languages;
  return navigator.language ? [navigator.language] : [];
}

export function browserLocaleEnv(): LocaleEnv {
  const hasWindow = typeof window !== 'undefined';
  return {
    storage: browserStorage,
    languages: browserLanguages,
    onLanguagesChange: (listener) => {
      if (hasWindow) window.addEventListener('languagechange', listener);
    },
    root: typeof document !== 'undefined' ? document.documentElement : null,
  };
}

/** The app's one locale state. */
export const locale = new LocaleState(browserLocaleEnv());
