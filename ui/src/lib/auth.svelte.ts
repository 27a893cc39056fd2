// The session as the UI sees it: the current AuthState, loaded with
// `launchState()` at start and then kept in step with `onAuthChanged` (restore,
// refresh, expiry, offline, sign-out all arrive that way). Screens call the
// actions here; each returns the error to show, if any, so a screen keeps
// its own busy/error state while the model keeps the session.
import type {
  AuthState,
  Backend,
  ErrorBody,
  LaunchState,
  OAuthProvider,
  Outcome,
  Persistence,
  Profile,
  SignOutReason,
  SignUpResult,
} from './backend';
import { guard } from './errors';

/**
 * What the screen shows for a state. Built by an exhaustive switch on the
 * generated `AuthState['status']`, so a renamed or added status is a compile
 * error here rather than a silently blank screen.
 */
export type AuthView =
  | { kind: 'restoring' }
  | { kind: 'signedOut'; reason: SignOutReason | null }
  | { kind: 'signedIn'; user: Profile; offline: boolean; persistence: Persistence }
  | { kind: 'recovery'; user: Profile }
  | { kind: 'oauthPending'; provider: OAuthProvider };

export function authView(state: AuthState): AuthView {
  switch (state.status) {
    case 'restoring':
      return { kind: 'restoring' };
    case 'signedOut':
      return { kind: 'signedOut', reason: state.reason };
    case 'signedIn':
      return { kind: 'signedIn', user: state.user, offline: state.offline, persistence: state.persistence };
    case 'passwordRecovery':
      return { kind: 'recovery', user: state.user };
    case 'oauthPending':
      return { kind: 'oauthPending', provider: state.provider };
    default:
      return unreachable(state);
  }
}

function unreachable(state: never): never {
  throw new Error(`unknown auth state: ${JSON.stringify(state)}`);
}

/** An OAuth flow that ended without a session, other than by our own Cancel. */
export type OAuthFailure = { provider: OAuthProvider; error: ErrorBody };

const SIGNED_OUT: AuthState = { status: 'signedOut', reason: null };

export class AuthModel {
  readonly backend: Backend;
  state = $state.raw<AuthState>({ status: 'restoring' });
  oauthFailure = $state.raw<OAuthFailure | null>(null);
  /** True while a sign-out runs; its failure, if any, until the next try. */
  signingOut = $state(false);
  signOutError = $state.raw<ErrorBody | null>(null);
  /** False until the launch state or an event first says where the session stands. */
  settled = $state(false);
  #version = 0;
  #cancelling = false;
  #unsubscribe: (() => void) | null = null;

  constructor(backend: Backend) {
    this.backend = backend;
  }

  get view(): AuthView {
    return authView(this.state);
  }

  /**
   * Subscribes to changes, then asks for the launch state (an event that
   * lands first wins). `onLaunch` gets it just before it is applied, so the
   * history can show the cached list that came with it instead of asking.
   */
  async start(onLaunch?: (launch: LaunchState) => void): Promise<void> {
    this.#unsubscribe ??= this.backend.onAuthChanged((state) => this.apply(state));
    const asked = this.#version;
    let launch: LaunchState;
    try {
      launch = await this.backend.launchState();
    } catch {
      launch = { auth: SIGNED_OUT, conversations: null };
    }
    if (asked !== this.#version) return;
    onLaunch?.(launch);
    this.apply(launch.auth);
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
  }

  /** Takes a new state (from an event or a command's answer). */
  apply(state: AuthState): void {
    this.#version += 1;
    this.state = state;
    this.settled = true;
    if (state.status !== 'signedOut') this.oauthFailure = null;
    // A failed sign-out's message belongs to that session only.
    if (state.status !== 'signedIn') this.signOutError = null;
  }

  signIn(email: string, password: string): Promise<ErrorBody | null> {
    return this.#run(() => this.backend.signIn(email, password));
  }

  async signUp(email: string, password: string): Promise<Outcome<SignUpResult>> {
    const result = await guard(() => this.backend.signUp(email, password));
    if (result.status === 'ok' && result.data.kind === 'signedIn') this.apply(result.data.state);
    return result;
  }

  async requestPasswordReset(email: string): Promise<ErrorBody | null> {
    const result = await guard(() => this.backend.requestPasswordReset(email));
    return result.status === 'ok' ? null : result.error;
  }

  setNewPassword(password: string): Promise<ErrorBody | null> {
    return this.#run(() => this.backend.setNewPassword(password));
  }

  async signOut(): Promise<ErrorBody | null> {
    this.signingOut = true;
    this.signOutError = null;
    const error = await this.#run(() => this.backend.signOut());
    this.signingOut = false;
    this.signOutError = error;
    return error;
  }

  /**
   * Shows the waiting screen at once, then waits for the browser flow. Our
   * own Cancel returns to the sign-in screen quietly; any other failure
   * (timed out, refused in the browser, offline) is kept in `oauthFailure`.
   */
  async startOauth(provider: OAuthProvider): Promise<void> {
    this.oauthFailure = null;
    this.#cancelling = false;
    this.apply({ status: 'oauthPending', provider });
    const result = await guard(() => this.backend.startOauth(provider));
    if (result.status === 'ok') {
      this.apply(result.data);
      return;
    }
    const quiet = this.#cancelling && result.error.code === 'cancelled';
    this.#cancelling = false;
    if (this.state.status === 'oauthPending') await this.#resync();
    if (!quiet) this.oauthFailure = { provider, error: result.error };
  }

  async cancelOauth(): Promise<void> {
    this.#cancelling = true;
    try {
      await this.backend.cancelOauth();
    } catch {
      // The pending startOauth still ends (or times out); nothing to show.
    }
  }

  dismissOauthFailure(): void {
    this.oauthFailure = null;
  }

  async #run(call: () => Promise<Outcome<AuthState>>): Promise<ErrorBody | null> {
    const result = await guard(call);
    if (result.status === 'error') return result.error;
    this.apply(result.data);
    return null;
  }

  /** Asks for the state again when a failed flow left a stale one behind. */
  async #resync(): Promise<void> {
    const asked = this.#version;
    let state: AuthState;
    try {
      state = await this.backend.authState();
    } catch {
      state = SIGNED_OUT;
    }
    if (asked !== this.#version) return;
    this.apply(state.status === 'oauthPending' ? SIGNED_OUT : state);
  }
}

