// Keeps the objects of rows that did not change when a list is reloaded.
// History reloads after every change (a chat turn brings two or three), and
// a reload returns fresh objects for every row; without this, each reload
// would hand every message row and every sidebar entry new props, and the
// page would re-render (and re-measure) all of them while a reply starts to
// stream. Rows are compared field by field as JSON values: they are plain
// data from the back end.

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(rb, k) && same(ra[k], rb[k]));
}

/**
 * `next`, with each row equal to the row of the same id in `previous`
 * replaced by that earlier object; `previous` itself when nothing changed.
 */
export function reuseRows<T extends { id: string }>(previous: readonly T[], next: T[]): T[] {
  const byId = new Map(previous.map((row) => [row.id, row]));
  let changed = previous.length !== next.length;
  const merged = next.map((row, i) => {
    const old = byId.get(row.id);
    if (old !== undefined && same(old, row)) {
      if (previous[i] !== old) changed = true;
      return old;
    }
    changed = true;
    return row;
  });
  return changed ? merged : (previous as T[]);
}
