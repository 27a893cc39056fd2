// Focus helpers shared by the elements that track whether the focus is
// inside them (a sidebar row's actions, the virtual list's pinned row).

/** True when a `focusout` takes the focus out of the element listening for it, not to one of its descendants. */
export function focusLeaves(event: FocusEvent): boolean {
  const next = event.relatedTarget;
  const from = event.currentTarget;
  return !(next instanceof Node) || !(from instanceof Node) || !from.contains(next);
}
