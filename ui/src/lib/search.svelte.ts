// The search dialog's state: the query, debounced before it reaches the
// backend; the hits of the latest query only (a slower, older answer is
// dropped); and which hit the keyboard has selected.
import type { Backend, ErrorBody, SearchHit } from './backend';
import { toErrorBody } from './errors';

export type SearchStatus = 'idle' | 'searching' | 'done' | 'failed';

export class SearchModel {
  readonly backend: Backend;
  readonly debounceMs: number;
  query = $state('');
  hits = $state.raw<SearchHit[]>([]);
  status = $state<SearchStatus>('idle');
  error = $state.raw<ErrorBody | null>(null);
  /** Index of the selected hit; meaningful only when there are hits. */
  selected = $state(0);
  #timer: ReturnType<typeof setTimeout> | undefined;
  #request = 0;

  constructor(backend: Backend, debounceMs = 200) {
    this.backend = backend;
    this.debounceMs = debounceMs;
  }

  get current(): SearchHit | null {
    return this.hits[this.selected] ?? null;
  }

  /** Takes what the user typed; searches once they pause. */
  setQuery(query: string): void {
    this.query = query;
    clearTimeout(this.#timer);
    this.#request += 1;
    if (query.trim() === '') {
      this.hits = [];
      this.status = 'idle';
      this.error = null;
      return;
    }
    this.status = 'searching';
    this.#timer = setTimeout(() => void this.#run(query), this.debounceMs);
  }

  /** Moves the selection, wrapping around at both ends. */
  move(delta: number): void {
    const count = this.hits.length;
    if (count === 0) return;
    this.selected = (((this.selected + delta) % count) + count) % count;
  }

  select(index: number): void {
    if (index >= 0 && index < this.hits.length) this.selected = index;
  }

  reset(): void {
    clearTimeout(this.#timer);
    this.#request += 1;
    this.query = '';
    this.hits = [];
    this.status = 'idle';
    this.error = null;
    this.selected = 0;
  }

  async #run(query: string): Promise<void> {
    const request = ++this.#request;
    let result;
    try {
      result = await this.backend.searchHistory(query);
    } catch (error) {
      result = { status: 'error', error: toErrorBody(error) } as const;
    }
    if (request !== this.#request) return;
    if (result.status === 'ok') {
      this.hits = result.data;
      this.status = 'done';
      this.error = null;
    } else {
      this.hits = [];
      this.status = 'failed';
      this.error = result.error;
    }
    this.selected = 0;
  }
}
