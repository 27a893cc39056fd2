// Reloading history keeps the objects of unchanged rows, so the page does
// not re-render rows a reload did not change.
import { describe, expect, it } from 'vitest';
import { reuseRows } from './reuse';

type Row = { id: string; title: string; tags: string[]; pending: boolean };

const row = (id: string, title = id, tags: string[] = []): Row => ({ id, title, tags, pending: false });

describe('reuseRows', () => {
  it('returns the previous array when nothing changed', () => {
    const before = [row('a'), row('b', 'B', ['x'])];
    const after = reuseRows(before, [row('a'), row('b', 'B', ['x'])]);
    expect(after).toBe(before);
  });

  it('keeps unchanged rows and takes changed and new ones', () => {
    const before = [row('a'), row('b')];
    const next = [row('a'), row('b', 'renamed'), row('c')];
    const after = reuseRows(before, next);
    expect(after).not.toBe(before);
    expect(after[0]).toBe(before[0]);
    expect(after[1]).toBe(next[1]);
    expect(after[2]).toBe(next[2]);
  });

  it('sees a change deep inside a row and a change of order', () => {
    const before = [row('a', 'a', ['x']), row('b')];
    expect(reuseRows(before, [row('a', 'a', ['y']), row('b')])[0]).not.toBe(before[0]);
    const swapped = reuseRows(before, [row('b'), row('a', 'a', ['x'])]);
    expect(swapped).not.toBe(before);
    expect(swapped[0]).toBe(before[1]);
    expect(swapped[1]).toBe(before[0]);
  });

  it('sees a removed row', () => {
    const before = [row('a'), row('b')];
    const after = reuseRows(before, [row('a')]);
    expect(after).toEqual([row('a')]);
    expect(after[0]).toBe(before[0]);
  });
});
