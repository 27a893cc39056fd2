// A loader called once, whoever asks: the views' chunks (views.ts) and the
// reply renderer (markdown/loader.svelte.ts) each load through one.

/** `load`, called once: every caller gets the first call's promise, and a failed load is tried again on the next call. */
export function shared<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | null = null;
  return () =>
    (pending ??= load().catch((error: unknown) => {
      pending = null;
      throw error;
    }));
}
