// Short-lived messages at the bottom of the window: an export's or an
// import's result, or a failure. Each closes itself after `ms` (or when
// dismissed). The text is chosen at render time, so it follows the locale.
import type { ErrorBody, ImportReport } from './backend';

export type ToastContent =
  | { kind: 'exported'; path: string }
  | { kind: 'exportedAll'; path: string }
  | { kind: 'imported'; report: ImportReport }
  | { kind: 'failed'; action: 'export' | 'import' | 'delete' | 'sync' | 'link'; error: ErrorBody };

export type Toast = ToastContent & { id: number };

export class Toasts {
  items = $state.raw<Toast[]>([]);
  readonly ms: number;
  #nextId = 1;
  #timers = new Map<number, ReturnType<typeof setTimeout>>();

  constructor(ms = 6000) {
    this.ms = ms;
  }

  show(content: ToastContent): number {
    const id = this.#nextId++;
    this.items = [...this.items, { ...content, id }];
    this.#timers.set(
      id,
      setTimeout(() => this.dismiss(id), this.ms),
    );
    return id;
  }

  dismiss(id: number): void {
    clearTimeout(this.#timers.get(id));
    this.#timers.delete(id);
    this.items = this.items.filter((toast) => toast.id !== id);
  }

  clear(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.items = [];
  }
}
