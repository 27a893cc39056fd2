// Locale detection from navigator.languages, persistence of the choice, and
// the <html lang> attribute.
import { describe, expect, it } from 'vitest';
import { browserStorage, memoryStorage } from '../storage';
import { detectLocale, LOCALE_STORAGE_KEY, LocaleState, parseLocalePreference, type LocaleEnv } from '.';
import { browserLocaleEnv } from './locale.svelte';

function env(languages: string[], stored: Record<string, string> = {}) {
  const root = document.createElement('html');
  let listener: (() => void) | undefined;
  const value = {
    storage: memoryStorage(stored),
    languages: () => languages,
    onLanguagesChange: (l: () => void) => void (listener = l),
    root,
  } satisfies LocaleEnv;
  return { env: value, root, changeLanguages: (next: string[]) => ((languages = next), listener?.()) };
}

describe('detectLocale', () => {
  it.each([
    [['fr-FR', 'en-US'], 'fr'],
    [['fr'], 'fr'],
    [['FR-ca'], 'fr'],
    [['fr_BE'], 'fr'],
    [['en-GB', 'fr'], 'en'],
    [['de-DE', 'fr-CH'], 'fr'],
    [['de-DE', 'es'], 'en'],
    [['frisian'], 'en'],
    [[], 'en'],
  ] as const)('%j → %s', (languages, expected) => {
    expect(detectLocale(languages)).toBe(expected);
  });
});

describe('parseLocalePreference', () => {
  it('accepts only known locales', () => {
    expect(parseLocalePreference('fr')).toBe('fr');
    expect(parseLocalePreference('en')).toBe('en');
    expect(parseLocalePreference('de')).toBe('system');
    expect(parseLocalePreference(null)).toBe('system');
  });
});

describe('LocaleState', () => {
  it('uses the system language when nothing is saved, and sets <html lang>', () => {
    const { env: e, root } = env(['fr-FR']);
    const state = new LocaleState(e);
    expect(state.preference).toBe('system');
    expect(state.current).toBe('fr');
    expect(root.lang).toBe('fr');
  });

  it('restores a saved choice over the system language', () => {
    const { env: e, root } = env(['fr-FR'], { [LOCALE_STORAGE_KEY]: 'en' });
    const state = new LocaleState(e);
    expect(state.preference).toBe('en');
    expect(state.current).toBe('en');
    expect(root.lang).toBe('en');
  });

  it('saves a choice, and forgets it when going back to System', () => {
    const { env: e, root } = env(['en-US']);
    const state = new LocaleState(e);
    state.setPreference('fr');
    expect(e.storage.get(LOCALE_STORAGE_KEY)).toBe('fr');
    expect(root.lang).toBe('fr');
    state.setPreference('system');
    expect(e.storage.get(LOCALE_STORAGE_KEY)).toBeNull();
    expect(state.current).toBe('en');
    expect(root.lang).toBe('en');
  });

  it('follows a change of system languages only under System', () => {
    const { env: e, root, changeLanguages } = env(['en-US']);
    const state = new LocaleState(e);
    changeLanguages(['fr-FR']);
    expect(state.current).toBe('fr');
    expect(root.lang).toBe('fr');
    state.setPreference('en');
    changeLanguages(['fr-CA']);
    expect(state.current).toBe('en');
  });

  it('persists in localStorage under native.locale with the browser environment', () => {
    const first = new LocaleState(browserLocaleEnv());
    first.setPreference('fr');
    expect(localStorage.getItem('native.locale')).toBe('fr');
    expect(document.documentElement.lang).toBe('fr');
    const second = new LocaleState(browserLocaleEnv());
    expect(second.preference).toBe('fr');
    second.setPreference('system');
    expect(browserStorage.get('native.locale')).toBeNull();
  });
});
