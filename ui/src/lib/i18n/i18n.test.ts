// The catalogues: same keys in every locale, no empty text, the same
// `{params}` per key, and `t` / `translate` behaviour.
import { describe, expect, it } from 'vitest';
import { flushSync } from 'svelte';
import { catalogues, en, interpolate, LOCALES, locale, t, translate, type MessageKey } from '.';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('catalogues', () => {
  const englishKeys = Object.keys(en).sort();

  it.each(LOCALES)('%s has exactly the English keys', (code) => {
    expect(Object.keys(catalogues[code]).sort()).toEqual(englishKeys);
  });

  it.each(LOCALES)('%s has no empty or untrimmed message', (code) => {
    for (const [key, text] of Object.entries(catalogues[code])) {
      expect(text.trim(), `${code}:${key}`).not.toBe('');
      expect(text, `${code}:${key}`).toBe(text.trim());
    }
  });

  it.each(LOCALES)('%s uses the same placeholders as English', (code) => {
    for (const key of englishKeys as MessageKey[]) {
      expect(placeholders(catalogues[code][key]), `${code}:${key}`).toEqual(placeholders(en[key]));
    }
  });

  it('French is actually translated where the words differ', () => {
    expect(catalogues.fr['auth.signin.submit']).not.toBe(en['auth.signin.submit']);
    expect(catalogues.fr['settings.theme.dark']).toBe('Sombre');
  });
});

describe('translate', () => {
  it('fills parameters', () => {
    expect(translate('en', 'about.title', { name: 'Native AI' })).toBe('About Native AI');
    expect(translate('fr', 'about.title', { name: 'Native AI' })).toBe('À propos de Native AI');
  });

  it('leaves unknown placeholders visible rather than inventing text', () => {
    expect(interpolate('{a} and {b}', { a: 1 })).toBe('1 and {b}');
  });

  it('t follows the current locale', () => {
    locale.setPreference('fr');
    flushSync();
    expect(t('auth.signin.submit')).toBe('Se connecter');
    locale.setPreference('en');
    expect(t('auth.signin.submit')).toBe('Sign in');
    locale.setPreference('system');
  });
});
