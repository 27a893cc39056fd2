// The launch's startup figure: when the page first shows the cached history.
// It is a mark on the page's performance timeline (benchmarks read it back
// through WebDriver) and a report to the backend once that frame is painted
// (the app logs it; `crates/native-e2e/benches/startup` reads that log line
// to time a launch without any WebDriver session; the app also starts its
// first sync on it). Both cost next to nothing and show nothing, so they ship
// in every build.

import { afterPaint } from './frames';

/** The first moment the conversation list holds its rows (or says it has none) in the DOM. */
export const HISTORY_VISIBLE = 'native:history-visible';

let historyMarked = false;

/**
 * Marks `HISTORY_VISIBLE` once per page load, then calls `report` with the
 * milliseconds from navigation start to the end of the frame that painted
 * the rows; later calls do nothing.
 */
export function markHistoryVisible(report: (pageMs: number) => void): void {
  if (historyMarked) return;
  historyMarked = true;
  performance.mark(HISTORY_VISIBLE);
  afterPaint(() => report(Math.round(performance.now())));
}

/** Forgets the mark, so each test starts as a fresh page load. Tests only. */
export function resetHistoryMarkForTests(): void {
  historyMarked = false;
}
