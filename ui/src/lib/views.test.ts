// The views split out of the shell's chunk (views.ts): each loader yields a
// component, and a view whose chunk fails to load says so instead of
// leaving its button doing nothing.
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import App from '../App.svelte';
import { FakeBackend } from './backend-fake';
import { shared, views } from './views';

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

describe('shared', () => {
  it("gives every caller the first call's promise, so all wait for what it waits for", async () => {
    let finish: (value: string) => void = () => undefined;
    const load = vi.fn(() => new Promise<string>((resolve) => (finish = resolve)));
    const view = shared(load);

    const first = view();
    const second = view();
    expect(second).toBe(first);
    expect(load).toHaveBeenCalledTimes(1);

    let settled = false;
    void second.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    finish('loaded');
    await expect(second).resolves.toBe('loaded');
    expect(view()).toBe(first);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('tries a failed load again on the next call', async () => {
    const load = vi
      .fn<() => Promise<string>>()
      .mockRejectedValueOnce(new Error('chunk missing'))
      .mockResolvedValueOnce('loaded');
    const view = shared(load);

    await expect(view()).rejects.toThrow('chunk missing');
    await expect(view()).resolves.toBe('loaded');
    expect(load).toHaveBeenCalledTimes(2);
  });
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
