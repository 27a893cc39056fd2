// What the virtualised lists (MessageList, VirtualConversationList) share:
// the rows they draw, bounded, and measured together.
//
// A virtualiser draws the rows its scroller's viewport covers. Should the
// scroller ever be as tall as its content (a layout that does not bound
// it, BENCHMARKS.md "The page hang"), the viewport covers every row: all
// 5,000 messages were drawn, each one's measurement redrew the list, and
// the page spun until the web process ran out of memory. A bound on the
// rows turns such a layout fault into one wrong frame. No real window
// comes near it: a 2,160-pixel-tall screen shows ~60 of the smallest rows.

import { defaultRangeExtractor, type Range } from '@tanstack/svelte-virtual';

/** The most rows a virtualised list draws at once, its overscan included. */
export const MAX_DRAWN_ROWS = 200;

/**
 * The indexes to draw for `range`: the virtualiser's default (the visible
 * rows and the overscan on each side), at most `max` of them: from the top
 * of the viewport down, which is what a reader sees first, or near the
 * end of the list the last `max`.
 */
export function boundedRange(range: Range, max = MAX_DRAWN_ROWS): number[] {
  const indexes = defaultRangeExtractor(range);
  if (indexes.length <= max) return indexes;
  const top = indexes.indexOf(range.startIndex);
  const from = Math.max(0, Math.min(top, indexes.length - max));
  return indexes.slice(from, from + max);
}

/**
 * An attachment for a drawn row that hands it to `measure` (the
 * virtualiser's `measureElement`) once the flush that drew it is over,
 * together with the rows drawn alongside it.
 *
 * Measured as each was attached, every row that differed from its estimate
 * changed the list's store while the list was still being drawn, and Svelte
 * drew the list again at once: n rows drew it n times over (quadratic; 200
 * rows took 25 s in a test). Measured after the flush, the changes land
 * together and the list is drawn once more. The microtask still runs
 * before the frame is painted, so no row shows at its estimated place.
 */
export function measureTogether<T extends Element>(measure: (node: T) => void): (node: T) => void {
  let drawn: T[] = [];
  const flush = () => {
    const nodes = drawn;
    drawn = [];
    // A row drawn and removed in the same flush has nothing to measure.
    for (const node of nodes) if (node.isConnected) measure(node);
  };
  return (node) => {
    if (drawn.push(node) === 1) queueMicrotask(flush);
  };
}
