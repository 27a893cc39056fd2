// Which of a backend's methods were called, in the order they were: each
// one still does what it did, and its name is appended to the returned list.
import { vi } from 'vitest';
import type { Backend } from '../lib/backend';

export function recordCalls(backend: Backend, names: readonly (keyof Backend)[]): string[] {
  const order: string[] = [];
  for (const name of names) {
    const original = (backend[name] as (...args: unknown[]) => unknown).bind(backend);
    const methods = backend as Record<keyof Backend, (...args: unknown[]) => unknown>;
    vi.spyOn(methods, name).mockImplementation((...args: unknown[]) => {
      order.push(name);
      return original(...args);
    });
  }
  return order;
}
