// afterPaint: once the next frame (or the n-th) is painted, and never once
// cancelled. Fake timers drive both frames and tasks: the frame clock is an
// animation-frame callback where the page has one, a 16 ms timer otherwise.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { afterPaint } from './frames';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'requestAnimationFrame', 'cancelAnimationFrame'] });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('afterPaint', () => {
  it('runs after the next frame, not before', () => {
    const callback = vi.fn();
    afterPaint(callback);
    vi.advanceTimersByTime(15);
    expect(callback).not.toHaveBeenCalled();
    vi.advanceTimersByTime(2);
    expect(callback).toHaveBeenCalledOnce();
  });

  it('waits for as many frames as asked, one after the other', () => {
    const once = vi.fn();
    const twice = vi.fn();
    afterPaint(twice, 2);
    afterPaint(once);
    vi.advanceTimersByTime(17);
    expect(once).toHaveBeenCalledOnce();
    expect(twice).not.toHaveBeenCalled();
    vi.advanceTimersByTime(17);
    expect(twice).toHaveBeenCalledOnce();
  });

  it('never runs once cancelled, whichever frame it was waiting for', () => {
    const early = vi.fn();
    const late = vi.fn();
    afterPaint(early, 2)();
    const cancelLate = afterPaint(late, 2);
    vi.advanceTimersByTime(17);
    cancelLate();
    vi.advanceTimersByTime(100);
    expect(early).not.toHaveBeenCalled();
    expect(late).not.toHaveBeenCalled();
  });
});
