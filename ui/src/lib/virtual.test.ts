import { describe, expect, it } from 'vitest';
import { boundedRange, MAX_DRAWN_ROWS, measureTogether } from './virtual';

const range = (startIndex: number, endIndex: number, count = 5000, overscan = 6) => ({
  startIndex,
  endIndex,
  overscan,
  count,
});

describe('boundedRange', () => {
  it('draws the visible rows and the overscan when they are few', () => {
    expect(boundedRange(range(100, 110))).toEqual(Array.from({ length: 23 }, (_, i) => 94 + i));
    expect(boundedRange(range(0, 3, 4))).toEqual([0, 1, 2, 3]);
  });

  it('draws at most the bound when the viewport covers every row', () => {
    const drawn = boundedRange(range(0, 4999));
    expect(drawn).toHaveLength(MAX_DRAWN_ROWS);
    expect(drawn[0]).toBe(0);
    expect(drawn.at(-1)).toBe(MAX_DRAWN_ROWS - 1);
  });

  it('keeps the rows from the top of the viewport down', () => {
    expect(boundedRange(range(1000, 4000), 10)).toEqual([1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009]);
    // Near the end there is not a bound's worth below the top: the rows above it fill in.
    expect(boundedRange(range(4995, 4999), 8)).toEqual([4992, 4993, 4994, 4995, 4996, 4997, 4998, 4999]);
  });
});

describe('measureTogether', () => {
  const row = (id: string) => {
    const node = document.createElement('div');
    node.id = id;
    document.body.append(node);
    return node;
  };

  it('measures the rows of one flush together once it is over, in order', async () => {
    const measured: string[] = [];
    const attach = measureTogether<HTMLElement>((node) => measured.push(node.id));
    attach(row('a'));
    attach(row('b'));
    expect(measured).toEqual([]);
    await Promise.resolve();
    expect(measured).toEqual(['a', 'b']);
    attach(row('c'));
    await Promise.resolve();
    expect(measured).toEqual(['a', 'b', 'c']);
  });

  it('skips a row removed before it was measured', async () => {
    const measured: string[] = [];
    const attach = measureTogether<HTMLElement>((node) => measured.push(node.id));
    const gone = row('gone');
    attach(gone);
    attach(row('kept'));
    gone.remove();
    await Promise.resolve();
    expect(measured).toEqual(['kept']);
  });
});
