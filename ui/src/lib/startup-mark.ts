// Marks on the page's performance timeline that benchmarks read back through
// WebDriver (`crates/native-e2e/benches/startup`). `performance.mark` costs
// next to nothing and shows nothing, so the marks ship in every build.

/** The first moment the conversation list holds rows in the DOM. */
export const HISTORY_VISIBLE = 'native:history-visible';

let historyMarked = false;

/** Marks `HISTORY_VISIBLE` once per page load; later calls do nothing. */
export function markHistoryVisible(): void {
  if (historyMarked) return;
  historyMarked = true;
  performance.mark(HISTORY_VISIBLE);
}
