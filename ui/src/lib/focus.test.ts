// focusLeaves: moving inside the element keeps the focus in; moving out,
// or to nothing, leaves.
import { describe, expect, it } from 'vitest';
import { focusLeaves } from './focus';

describe('focusLeaves', () => {
  it('tells a move inside from a move out', () => {
    const row = document.body.appendChild(document.createElement('li'));
    const [first, second] = [0, 1].map(() => row.appendChild(document.createElement('button')));
    const outside = document.body.appendChild(document.createElement('button'));
    const seen: boolean[] = [];
    row.addEventListener('focusout', (event) => seen.push(focusLeaves(event)));

    first!.focus();
    second!.focus();
    outside.focus();
    first!.focus();
    first!.blur();
    // Coming back in from outside is no focusout of the row.
    expect(seen).toEqual([false, true, true]);
    row.remove();
    outside.remove();
  });
});
