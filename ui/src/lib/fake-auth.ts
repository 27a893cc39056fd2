// An in-memory account system behind the fake Backend's auth calls, for
// Vitest and `npm run dev` in a plain browser. It behaves like the Rust side:
// wrong password → invalid_credentials, unconfirmed → email_not_confirmed,
// sign-up with or without a confirmation e-mail, a password reset that never
// says whether the address exists, and an OAuth flow that waits for
// `completeOauth()`, `cancelOauth()` or its timeout. Every change is emitted
// to `onAuthChanged` listeners. Test helpers are the public non-Backend methods.
import type {
  AuthState,
  ErrorBody,
  ErrorCode,
  OAuthProvider,
  Outcome,
  Persistence,
  Profile,
  SignUpResult,
} from './backend';

export type AuthCall =
  | 'authState'
  | 'signIn'
  | 'signUp'
  | 'requestPasswordReset'
  | 'setNewPassword'
  | 'startOauth'
  | 'cancelOauth'
  | 'signOut';

export interface FakeAuthOptions {
  /** The state at launch; signed out by default. */
  initial?: AuthState;
  /** Confirmed accounts to start with: e-mail → password. */
  accounts?: Record<string, string>;
  /** Sign-up sends a confirmation e-mail instead of signing in at once. */
  requireConfirmation?: boolean;
  /** Where a new session is kept. */
  persistence?: Persistence;
  /** How long an OAuth flow may wait for the browser. */
  oauthTimeoutMs?: number;
  /** Completes OAuth flows by itself after this many ms (for `npm run dev`). */
  oauthAutoCompleteMs?: number | null;
}

interface Account {
  profile: Profile;
  password: string;
  confirmed: boolean;
}

interface PendingOauth {
  provider: OAuthProvider;
  finish: (result: Outcome<AuthState>) => void;
  timers: ReturnType<typeof setTimeout>[];
}

/** Passwords the fake's "server" refuses as too easy to guess. */
export const WEAK_PASSWORDS = ['password', '123456', '12345678', 'qwerty', 'azerty', 'password1'];

const OAUTH_EMAIL = 'oauth.user@example.com';
const SIGNED_OUT: AuthState = { status: 'signedOut', reason: null };

function fail<T>(code: ErrorCode): Outcome<T> {
  return { status: 'error', error: { code, message: `fake ${code}` } };
}

/** Lowercases the domain, as the Rust side does; local parts stay as typed. */
function key(email: string): string {
  const text = email.trim();
  const at = text.lastIndexOf('@');
  return at < 0 ? text : text.slice(0, at) + text.slice(at).toLowerCase();
}

export class FakeAuth {
  state: AuthState;
  requireConfirmation: boolean;
  persistence: Persistence;
  offline = false;
  oauthTimeoutMs: number;
  oauthAutoCompleteMs: number | null;
  /** The next call of that name fails with this error (then it is cleared). */
  failNext: Partial<Record<AuthCall, ErrorBody>> = {};
  /** Addresses a reset link was requested for, existing or not. */
  resetRequests: string[] = [];
  calls: Record<AuthCall, number> = {
    authState: 0,
    signIn: 0,
    signUp: 0,
    requestPasswordReset: 0,
    setNewPassword: 0,
    startOauth: 0,
    cancelOauth: 0,
    signOut: 0,
  };
  #accounts = new Map<string, Account>();
  #listeners = new Set<(state: AuthState) => void>();
  #pending: PendingOauth | null = null;
  #nextId = 1;
  #delay: () => Promise<void>;

  constructor(options: FakeAuthOptions = {}, delay: () => Promise<void> = () => Promise.resolve()) {
    this.state = options.initial ?? SIGNED_OUT;
    this.requireConfirmation = options.requireConfirmation ?? false;
    this.persistence = options.persistence ?? 'keychain';
    this.oauthTimeoutMs = options.oauthTimeoutMs ?? 5 * 60 * 1000;
    this.oauthAutoCompleteMs = options.oauthAutoCompleteMs ?? null;
    this.#delay = delay;
    for (const [email, password] of Object.entries(options.accounts ?? {})) {
      this.addAccount(email, password, true);
    }
  }

  // ---- Backend calls -------------------------------------------------------

  async authState(): Promise<AuthState> {
    this.calls.authState += 1;
    await this.#delay();
    return this.state;
  }

  async signIn(email: string, password: string): Promise<Outcome<AuthState>> {
    const failed = await this.#begin<AuthState>('signIn');
    if (failed) return failed;
    const account = this.#accounts.get(key(email));
    if (!account || account.password !== password) return fail('invalid_credentials');
    if (!account.confirmed) return fail('email_not_confirmed');
    return { status: 'ok', data: this.#signedIn(account.profile) };
  }

  async signUp(email: string, password: string): Promise<Outcome<SignUpResult>> {
    const failed = await this.#begin<SignUpResult>('signUp');
    if (failed) return failed;
    if (this.#accounts.has(key(email))) return fail('email_taken');
    if (WEAK_PASSWORDS.includes(password.toLowerCase())) return fail('weak_password');
    const account = this.addAccount(email, password, !this.requireConfirmation);
    if (this.requireConfirmation) return { status: 'ok', data: { kind: 'confirmationSent', email: account.profile.email } };
    return { status: 'ok', data: { kind: 'signedIn', state: this.#signedIn(account.profile) } };
  }

  async requestPasswordReset(email: string): Promise<Outcome<null>> {
    const failed = await this.#begin<null>('requestPasswordReset');
    if (failed) return failed;
    this.resetRequests.push(key(email));
    return { status: 'ok', data: null };
  }

  async setNewPassword(password: string): Promise<Outcome<AuthState>> {
    const failed = await this.#begin<AuthState>('setNewPassword');
    if (failed) return failed;
    const state = this.state;
    if (state.status !== 'passwordRecovery') return fail('session_expired');
    if (WEAK_PASSWORDS.includes(password.toLowerCase())) return fail('weak_password');
    const account = this.#accounts.get(key(state.user.email));
    if (account) account.password = password;
    return { status: 'ok', data: this.#signedIn(state.user) };
  }

  async startOauth(provider: OAuthProvider): Promise<Outcome<AuthState>> {
    const failed = await this.#begin<AuthState>('startOauth');
    if (failed) return failed;
    this.#finishOauth(fail('cancelled'));
    this.emit({ status: 'oauthPending', provider });
    return new Promise((resolve) => {
      const timers = [setTimeout(() => this.#finishOauth(fail('timed_out')), this.oauthTimeoutMs)];
      if (this.oauthAutoCompleteMs !== null) {
        timers.push(setTimeout(() => this.completeOauth(), this.oauthAutoCompleteMs));
      }
      this.#pending = { provider, finish: resolve, timers };
    });
  }

  async cancelOauth(): Promise<void> {
    this.calls.cancelOauth += 1;
    await this.#delay();
    this.#finishOauth(fail('cancelled'));
  }

  async signOut(): Promise<Outcome<AuthState>> {
    const failed = await this.#begin<AuthState>('signOut');
    if (failed) return failed;
    this.emit({ status: 'signedOut', reason: 'signed_out' });
    return { status: 'ok', data: this.state };
  }

  onAuthChanged(listener: (state: AuthState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  // ---- Test helpers --------------------------------------------------------

  addAccount(email: string, password: string, confirmed = true): Account {
    const id = `00000000-0000-4000-8000-${String(this.#nextId++).padStart(12, '0')}`;
    const account = { profile: { id, email: key(email) }, password, confirmed };
    this.#accounts.set(key(email), account);
    return account;
  }

  hasAccount(email: string): boolean {
    return this.#accounts.has(key(email));
  }

  /** What clicking the link in the confirmation e-mail does. */
  confirmEmail(email: string): void {
    const account = this.#accounts.get(key(email));
    if (account) account.confirmed = true;
  }

  /** What opening the e-mailed reset link does: a recovery session. */
  openRecoveryLink(email: string): void {
    const account = this.#accounts.get(key(email)) ?? this.addAccount(email, '', true);
    this.emit({ status: 'passwordRecovery', user: account.profile });
  }

  /** The browser side of OAuth approved: signs in (creating the account if new). */
  completeOauth(email = OAUTH_EMAIL): void {
    if (!this.#pending) return;
    const account = this.#accounts.get(key(email)) ?? this.addAccount(email, '', true);
    const state = this.#signedIn(account.profile);
    this.#finishOauth({ status: 'ok', data: state }, false);
  }

  /** The refresh token was refused: the session ends. */
  expireSession(): void {
    this.emit({ status: 'signedOut', reason: 'session_expired' });
  }

  /** The network went away (or came back) while signed in. */
  setOffline(offline: boolean): void {
    this.offline = offline;
    if (this.state.status === 'signedIn') this.emit({ ...this.state, offline });
  }

  /** Sets the state and tells every listener, as the Rust `authChanged` event does. */
  emit(state: AuthState): void {
    this.state = state;
    for (const listener of [...this.#listeners]) listener(state);
  }

  // ---- Internals -----------------------------------------------------------

  async #begin<T>(call: AuthCall): Promise<Outcome<T> | null> {
    this.calls[call] += 1;
    await this.#delay();
    const forced = this.failNext[call];
    if (forced) {
      delete this.failNext[call];
      return { status: 'error', error: { ...forced } };
    }
    return this.offline ? fail('offline') : null;
  }

  #signedIn(user: Profile): AuthState {
    this.emit({ status: 'signedIn', user, offline: false, persistence: this.persistence });
    return this.state;
  }

  /** Ends the pending OAuth flow, if any; a failure also signs out. */
  #finishOauth(result: Outcome<AuthState>, signOut = true): void {
    const pending = this.#pending;
    if (!pending) return;
    this.#pending = null;
    for (const timer of pending.timers) clearTimeout(timer);
    if (signOut && result.status === 'error') this.emit(SIGNED_OUT);
    pending.finish(result);
  }
}
