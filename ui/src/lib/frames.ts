// Callbacks timed to the page's frames: before the next paint
// (requestAnimationFrame), or once it is on screen; with timers where there
// are no frames. Each returns the function that cancels it.

export function onNextFrame(callback: () => void): () => void {
  if (typeof requestAnimationFrame === 'function') {
    const id = requestAnimationFrame(() => callback());
    return () => cancelAnimationFrame(id);
  }
  const timer = setTimeout(callback, 16);
  return () => clearTimeout(timer);
}

/**
 * One callback once the next frame is painted: a task queued from an
 * animation-frame callback runs after that frame. With `frames` above 1,
 * once that many frames have been painted, one after the other.
 */
export function afterPaint(callback: () => void, frames = 1): () => void {
  let cancelRest: () => void = () => undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const cancelFrame = onNextFrame(() => {
    timer = setTimeout(() => {
      if (frames > 1) cancelRest = afterPaint(callback, frames - 1);
      else callback();
    }, 0);
  });
  return () => {
    cancelFrame();
    clearTimeout(timer);
    cancelRest();
  };
}
