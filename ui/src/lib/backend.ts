// The UI's one door to Rust. Components and models talk to a `Backend`, never
// to `invoke` or the generated bindings directly, so tests and `npm run dev`
// in a plain browser can swap in the in-memory fake (backend-fake.ts).
//
// Wire types come only from the generated bindings, through `wire.ts`: never
// hand-write one here.
import type { AppInfo, AuthState, ErrorBody, OAuthProvider, ServerStatus, SignUpResult } from './wire';

export type {
  AppInfo,
  AuthState,
  ErrorBody,
  ErrorCode,
  OAuthProvider,
  Persistence,
  Profile,
  ProviderKind,
  ServerStatus,
  SignOutReason,
  SignUpResult,
} from './wire';

/** A fallible call's outcome, the same shape as the generated command wrappers return. */
export type Outcome<T> = { status: 'ok'; data: T } | { status: 'error'; error: ErrorBody };

export interface Backend {
  /** This build and its configuration. Does not touch the network. */
  appInfo(): Promise<AppInfo>;
  /** Asks the Native AI server who it is; `offline` when it cannot be reached. */
  serverStatus(): Promise<Outcome<ServerStatus>>;

  /** The session as it stands now (`restoring` while the keychain is read at launch). */
  authState(): Promise<AuthState>;
  signIn(email: string, password: string): Promise<Outcome<AuthState>>;
  /** Signs in at once, or says a confirmation e-mail was sent. */
  signUp(email: string, password: string): Promise<Outcome<SignUpResult>>;
  /** Succeeds whether or not an account exists for `email`. */
  requestPasswordReset(email: string): Promise<Outcome<null>>;
  /** Only in the `passwordRecovery` state (opened from the e-mailed link). */
  setNewPassword(password: string): Promise<Outcome<AuthState>>;
  /**
   * Opens the provider in the system browser and resolves when that flow
   * ends: signed in, `cancelled` (see `cancelOauth`) or `timed_out`.
   */
  startOauth(provider: OAuthProvider): Promise<Outcome<AuthState>>;
  /** Ends a pending `startOauth`, which then resolves with `cancelled`. */
  cancelOauth(): Promise<void>;
  signOut(): Promise<Outcome<AuthState>>;
  /**
   * Calls `listener` with every new AuthState (restored, refreshed, expired,
   * offline, signed out...). Returns the function that stops it.
   */
  onAuthChanged(listener: (state: AuthState) => void): () => void;
}

/** True inside the Tauri webview, false in a plain browser or under Vitest. */
export function isTauri(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}
