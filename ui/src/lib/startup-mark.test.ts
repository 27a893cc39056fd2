import { afterEach, describe, expect, it, vi } from 'vitest';
import { HISTORY_VISIBLE, markHistoryVisible, resetHistoryMarkForTests } from './startup-mark';

describe('markHistoryVisible', () => {
  afterEach(() => {
    resetHistoryMarkForTests();
    performance.clearMarks();
    vi.useRealTimers();
  });

  it('marks once and reports once, after the next frame', async () => {
    vi.useFakeTimers({ toFake: ['requestAnimationFrame', 'setTimeout'] });
    const reports: number[] = [];
    markHistoryVisible((ms) => reports.push(ms));
    markHistoryVisible((ms) => reports.push(ms));
    expect(performance.getEntriesByName(HISTORY_VISIBLE, 'mark')).toHaveLength(1);
    // Nothing is reported before the frame that paints the rows.
    expect(reports).toEqual([]);
    vi.advanceTimersByTime(40);
    expect(reports).toHaveLength(1);
    const mark = performance.getEntriesByName(HISTORY_VISIBLE, 'mark')[0];
    expect(reports[0]).toBeGreaterThanOrEqual(Math.floor(mark?.startTime ?? Infinity));
  });
});
