// The search model: debounced queries, only the latest answer kept, and
// keyboard selection that wraps.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeBackend } from './backend-fake';
import { SearchModel } from './search.svelte';
import { NOW, seed, SIGNED_IN_STATE } from '../test/history-app';

function setup(delayMs = 0) {
  const backend = new FakeBackend({
    auth: { initial: SIGNED_IN_STATE },
    history: { conversations: seed(), now: () => NOW },
    delayMs,
  });
  return { fake: backend.history, search: new SearchModel(backend, 200) };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('SearchModel', () => {
  it('waits for a pause in typing before searching once', async () => {
    vi.useFakeTimers();
    const { fake, search } = setup();
    search.setQuery('l');
    await vi.advanceTimersByTimeAsync(100);
    search.setQuery('ly');
    await vi.advanceTimersByTimeAsync(100);
    search.setQuery('lyon');
    expect(search.status).toBe('searching');
    await vi.advanceTimersByTimeAsync(199);
    expect(fake.calls.searchHistory).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(fake.calls.searchHistory).toBe(1);
    expect(search.status).toBe('done');
    expect(search.hits.map((h) => h.conversationTitle)).toEqual(['Trip to Lyon']);
  });

  it('drops an older answer that arrives after a newer query', async () => {
    vi.useFakeTimers();
    const { search } = setup(50);
    search.setQuery('weekend');
    await vi.advanceTimersByTimeAsync(220); // the first search is under way
    search.setQuery('milk');
    await vi.advanceTimersByTimeAsync(1000);
    expect(search.query).toBe('milk');
    expect(search.hits.map((h) => h.conversationTitle)).toEqual(['Old notes']);
  });

  it('clears at once for an empty query, without a call', async () => {
    vi.useFakeTimers();
    const { fake, search } = setup();
    search.setQuery('lyon');
    await vi.advanceTimersByTimeAsync(200);
    search.setQuery('   ');
    expect(search.status).toBe('idle');
    expect(search.hits).toEqual([]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(fake.calls.searchHistory).toBe(1);
  });

  it('moves the selection with wrap-around, and resets it for new hits', async () => {
    vi.useFakeTimers();
    const { search } = setup();
    search.setQuery('the');
    await vi.advanceTimersByTimeAsync(200);
    const count = search.hits.length;
    expect(count).toBeGreaterThan(2);
    search.move(-1);
    expect(search.selected).toBe(count - 1);
    search.move(1);
    expect(search.selected).toBe(0);
    search.move(2);
    expect(search.current).toBe(search.hits[2]);
    search.setQuery('them');
    await vi.advanceTimersByTimeAsync(200);
    expect(search.selected).toBe(0);
  });

  it('shows a failure', async () => {
    vi.useFakeTimers();
    const { fake, search } = setup();
    fake.failNext.searchHistory = { code: 'internal', message: 'fts5: syntax error' };
    search.setQuery('lyon');
    await vi.advanceTimersByTimeAsync(200);
    expect(search.status).toBe('failed');
    expect(search.error?.code).toBe('internal');
  });
});
