// Theme resolution, persistence and the live "System" behaviour.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeDarkQuery } from '../test/media';
import { memoryStorage } from './storage';
import {
  browserThemeEnv,
  DARK_QUERY,
  parseThemePreference,
  resolveTheme,
  THEME_STORAGE_KEY,
  ThemeState,
} from './theme.svelte';

describe('resolveTheme', () => {
  it.each([
    ['system', false, 'light'],
    ['system', true, 'dark'],
    ['light', true, 'light'],
    ['dark', false, 'dark'],
  ] as const)('%s with OS dark=%s → %s', (preference, dark, expected) => {
    expect(resolveTheme(preference, dark)).toBe(expected);
  });

  it('ignores unknown saved values', () => {
    expect(parseThemePreference('sepia')).toBe('system');
    expect(parseThemePreference('dark')).toBe('dark');
  });
});

describe('ThemeState', () => {
  function setup(dark: boolean, stored: Record<string, string> = {}) {
    const root = document.createElement('html');
    const darkQuery = new FakeDarkQuery(dark);
    const storage = memoryStorage(stored);
    return { root, darkQuery, storage, state: new ThemeState({ storage, darkQuery, root }) };
  }

  it('applies the OS scheme under System and follows it live', () => {
    const { root, darkQuery, state } = setup(true);
    expect(state.current).toBe('dark');
    expect(root.dataset['theme']).toBe('dark');
    darkQuery.set(false);
    expect(state.current).toBe('light');
    expect(root.dataset['theme']).toBe('light');
  });

  it('keeps an explicit choice when the OS changes', () => {
    const { root, darkQuery, state, storage } = setup(false);
    state.setPreference('dark');
    expect(storage.get(THEME_STORAGE_KEY)).toBe('dark');
    darkQuery.set(false);
    expect(root.dataset['theme']).toBe('dark');
    state.setPreference('system');
    expect(storage.get(THEME_STORAGE_KEY)).toBeNull();
    expect(root.dataset['theme']).toBe('light');
  });

  it('restores a saved choice', () => {
    const { state, root } = setup(true, { [THEME_STORAGE_KEY]: 'light' });
    expect(state.preference).toBe('light');
    expect(root.dataset['theme']).toBe('light');
  });

  it('is light when matchMedia is missing', () => {
    const state = new ThemeState({ storage: memoryStorage(), darkQuery: null, root: null });
    expect(state.current).toBe('light');
  });
});

describe('browserThemeEnv', () => {
  afterEach(() => {
    Reflect.deleteProperty(window, 'matchMedia');
  });

  it('reads prefers-color-scheme through window.matchMedia and saves to native.theme', () => {
    const query = new FakeDarkQuery(true);
    const matchMedia = vi.fn(() => query);
    Object.defineProperty(window, 'matchMedia', { configurable: true, value: matchMedia });

    const state = new ThemeState(browserThemeEnv());
    expect(matchMedia).toHaveBeenCalledWith(DARK_QUERY);
    expect(document.documentElement.dataset['theme']).toBe('dark');
    query.set(false);
    expect(document.documentElement.dataset['theme']).toBe('light');

    state.setPreference('dark');
    expect(localStorage.getItem('native.theme')).toBe('dark');
  });
});
