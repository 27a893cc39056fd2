// The views split out of the shell's chunk (views.ts): each loader yields a
// component, and a view whose chunk fails to load says so instead of
// leaving its button doing nothing.
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import App from '../App.svelte';
import { FakeBackend } from './backend-fake';
import { views } from './views';

// The About dialog's chunk can be made to fail; every loader otherwise is
// the real one.
const failing = vi.hoisted(() => ({ about: false }));
vi.mock('./views', async (importOriginal) => {
  const actual = await importOriginal<typeof import('./views')>();
  const about = () => (failing.about ? Promise.reject(new Error('chunk missing')) : actual.views.about());
  return { ...actual, views: { ...actual.views, about } };
});

afterEach(() => {
  failing.about = false;
});

describe('views', () => {
  it('loads a component from every view chunk', async () => {
    for (const [name, load] of Object.entries(views)) {
      const module = await load();
      expect(typeof module.default, name).toBe('function');
    }
  });

  it('says so when a view cannot be loaded, and the shell keeps working', async () => {
    failing.about = true;
    const result = render(App, { props: { backend: new FakeBackend() } });
    await waitFor(() => expect(result.container.querySelector('[data-ready="true"]')).not.toBeNull());

    await fireEvent.click(screen.getByTestId('about-open'));
    const error = await screen.findByTestId('view-load-error');
    expect(error.getAttribute('role')).toBe('alert');
    expect(error.textContent).toContain('could not be loaded');
    expect(error.textContent).not.toContain('chunk missing');
    expect(screen.queryByTestId('about-panel')).toBeNull();
    expect(screen.getByTestId('app-name').textContent).toBe('Native AI');

    // Closing the message closes the view; once the chunk loads again, so
    // does the dialog.
    await fireEvent.click(screen.getByTestId('view-load-error-close'));
    expect(screen.queryByTestId('view-load-error')).toBeNull();
    failing.about = false;
    await fireEvent.click(screen.getByTestId('about-open'));
    expect(await screen.findByTestId('about-panel')).toBeTruthy();
  });
});
