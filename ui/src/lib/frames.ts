// One callback before the next paint (requestAnimationFrame), with a timer
// where there is none. Returns the function that cancels it.

export function onNextFrame(callback: () => void): () => void {
  if (typeof requestAnimationFrame === 'function') {
    const id = requestAnimationFrame(() => callback());
    return () => cancelAnimationFrame(id);
  }
  const timer = setTimeout(callback, 16);
  return () => clearTimeout(timer);
}
