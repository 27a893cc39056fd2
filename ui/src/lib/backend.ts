// The UI's one door to Rust. Components and models talk to a `Backend`, never
// to `invoke` or the generated bindings directly, so tests and `npm run dev`
// in a plain browser can swap in the in-memory fake (backend-fake.ts).
//
// Wire types come only from the generated `bindings.ts` (tauri-specta): never
// hand-write one here.
import type { AppInfo, ErrorBody, ServerStatus } from './bindings';

export type { AppInfo, ErrorBody, ErrorCode, ProviderKind, ServerStatus } from './bindings';

/** A fallible call's outcome, the same shape as the generated command wrappers return. */
export type Outcome<T> = { status: 'ok'; data: T } | { status: 'error'; error: ErrorBody };

export interface Backend {
  /** This build and its configuration. Does not touch the network. */
  appInfo(): Promise<AppInfo>;
  /** Asks the Native AI server who it is; `offline` when it cannot be reached. */
  serverStatus(): Promise<Outcome<ServerStatus>>;
}

/** True inside the Tauri webview, false in a plain browser or under Vitest. */
export function isTauri(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}
