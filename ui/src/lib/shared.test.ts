// `shared`: one load for every caller, and another after a failure.
import { describe, expect, it, vi } from 'vitest';
import { shared } from './shared';

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
