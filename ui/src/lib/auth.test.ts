// The AuthModel over the in-memory fake: the start-up race between the first
// launchState() and an early event, each action's effect on the session, the
// OAuth waiting state (cancel, failure, completion), sign-out, and the
// status → view mapping for every generated AuthState.
import { describe, expect, it, vi } from 'vitest';
import { AuthModel, authView, type AuthView } from './auth.svelte';
import type { AuthState, LaunchState, Profile } from './backend';
import { FakeBackend } from './backend-fake';
import type { FakeAuthOptions } from './fake-auth';

const ADA = { email: 'ada@example.com', password: 'analytical-engine' };
const USER: Profile = { id: '00000000-0000-4000-8000-00000000000a', email: ADA.email };
const SIGNED_OUT: AuthState = { status: 'signedOut', reason: null };
const SIGNED_IN: AuthState = { status: 'signedIn', user: USER, offline: false, persistence: 'keychain' };

function setup(auth: FakeAuthOptions = {}) {
  const backend = new FakeBackend({ auth: { accounts: { [ADA.email]: ADA.password }, ...auth } });
  return { backend, fake: backend.auth, model: new AuthModel(backend) };
}

/** Waits until the fake's browser flow is open, so completeOauth() has something to complete. */
async function browserOpened(fake: FakeBackend['auth']) {
  await vi.waitFor(() => expect(fake.state.status).toBe('oauthPending'));
}

/** A promise and the functions that settle it, for answers that arrive late. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('start', () => {
  it('begins in restoring, then takes the state the backend reports', async () => {
    const { model, fake } = setup({ initial: SIGNED_IN });
    expect(model.view).toEqual({ kind: 'restoring' });
    expect(model.settled).toBe(false);
    await model.start();
    expect(model.settled).toBe(true);
    expect(model.state).toEqual(SIGNED_IN);
    expect(model.view).toEqual({ kind: 'signedIn', user: USER, offline: false, persistence: 'keychain' });
    expect(fake.calls.authState).toBe(1);
  });

  it('hands the launch state, with its cached list, to onLaunch just before applying it', async () => {
    const { model, backend } = setup({ initial: SIGNED_IN });
    const list = await backend.history.listConversations();
    const seen: [LaunchState, AuthState][] = [];
    await model.start((launch) => seen.push([launch, model.state]));
    expect(seen).toHaveLength(1);
    const [launch, before] = seen[0]!;
    expect(launch.auth).toEqual(SIGNED_IN);
    expect(launch.conversations).toEqual(list.status === 'ok' ? list.data : 'a list');
    expect(before).toEqual({ status: 'restoring' });
    expect(model.state).toEqual(SIGNED_IN);
  });

  it('lets an event that lands before launchState() resolves win over the stale answer', async () => {
    const { model, backend, fake } = setup({ initial: SIGNED_OUT });
    const answer = deferred<LaunchState>();
    vi.spyOn(backend, 'launchState').mockReturnValue(answer.promise);
    const onLaunch = vi.fn();
    const started = model.start(onLaunch);
    fake.emit(SIGNED_IN);
    answer.resolve({ auth: { status: 'restoring' }, conversations: null });
    await started;
    expect(model.state).toEqual(SIGNED_IN);
    expect(onLaunch).not.toHaveBeenCalled();
  });

  it('falls back to signed out when launchState() rejects', async () => {
    const { model, backend } = setup({ initial: SIGNED_IN });
    vi.spyOn(backend, 'launchState').mockRejectedValue(new Error('IPC closed'));
    await model.start();
    expect(model.state).toEqual(SIGNED_OUT);
  });

  it('follows later events (expiry, offline) until stopped, subscribing only once', async () => {
    const { model, fake } = setup({ initial: SIGNED_IN });
    await model.start();
    await model.start();
    const apply = vi.spyOn(model, 'apply');
    fake.setOffline(true);
    expect(model.view).toMatchObject({ kind: 'signedIn', offline: true });
    fake.expireSession();
    expect(model.view).toEqual({ kind: 'signedOut', reason: 'session_expired' });
    expect(apply).toHaveBeenCalledTimes(2);

    model.stop();
    fake.emit(SIGNED_IN);
    expect(model.state.status).toBe('signedOut');
  });
});

describe('password sign-in and sign-up', () => {
  it('signIn applies the signed-in state and returns null', async () => {
    const { model } = setup();
    await model.start();
    expect(await model.signIn(ADA.email, ADA.password)).toBeNull();
    expect(model.view).toMatchObject({ kind: 'signedIn', user: { email: ADA.email } });
  });

  it('signIn with a wrong password returns the ErrorBody and stays signed out', async () => {
    const { model, fake } = setup();
    await model.start();
    const error = await model.signIn(ADA.email, 'not-the-password');
    expect(error).toEqual({ code: 'invalid_credentials', message: expect.any(String) });
    expect(model.state).toEqual(SIGNED_OUT);
    expect(fake.calls.signIn).toBe(1);
  });

  it('turns a rejected call into an internal ErrorBody instead of throwing', async () => {
    const { model, backend } = setup();
    await model.start();
    vi.spyOn(backend, 'signIn').mockRejectedValue('thread panicked');
    await expect(model.signIn(ADA.email, ADA.password)).resolves.toEqual({
      code: 'internal',
      message: 'thread panicked',
    });
    expect(model.state).toEqual(SIGNED_OUT);
  });

  it('signUp in auto-confirm mode applies the signed-in state it returns', async () => {
    // Not subscribed to events: the state must come from the answer itself.
    const { model, fake } = setup();
    model.apply(SIGNED_OUT);
    const result = await model.signUp('grace@example.com', 'compiler-1952');
    expect(result).toMatchObject({ status: 'ok', data: { kind: 'signedIn' } });
    expect(model.view).toMatchObject({ kind: 'signedIn', user: { email: 'grace@example.com' } });
    expect(fake.hasAccount('grace@example.com')).toBe(true);
  });

  it('signUp in confirmation mode returns confirmationSent and stays signed out', async () => {
    const { model } = setup({ requireConfirmation: true });
    await model.start();
    const result = await model.signUp('grace@example.com', 'compiler-1952');
    expect(result).toEqual({ status: 'ok', data: { kind: 'confirmationSent', email: 'grace@example.com' } });
    expect(model.state).toEqual(SIGNED_OUT);
    expect((await model.signIn('grace@example.com', 'compiler-1952'))?.code).toBe('email_not_confirmed');
  });

  it('signUp errors come back as the Outcome error, state untouched', async () => {
    const { model } = setup();
    await model.start();
    const result = await model.signUp(ADA.email, 'another-password');
    expect(result).toEqual({ status: 'error', error: { code: 'email_taken', message: expect.any(String) } });
    expect(model.state).toEqual(SIGNED_OUT);
  });

  it('requestPasswordReset returns null on success and the error on failure', async () => {
    const { model, fake } = setup();
    expect(await model.requestPasswordReset('nobody@example.com')).toBeNull();
    expect(fake.resetRequests).toEqual(['nobody@example.com']);
    fake.offline = true;
    expect((await model.requestPasswordReset(ADA.email))?.code).toBe('offline');
  });

  it('setNewPassword from a recovery session signs in', async () => {
    const { model, fake } = setup();
    await model.start();
    fake.openRecoveryLink(ADA.email);
    expect(model.view.kind).toBe('recovery');
    expect(await model.setNewPassword('brand-new-secret')).toBeNull();
    expect(model.view).toMatchObject({ kind: 'signedIn', user: { email: ADA.email } });
  });
});

describe('OAuth', () => {
  it('shows oauthPending at once, before the backend answers', async () => {
    const { model, fake } = setup();
    await model.start();
    const flow = model.startOauth('github');
    expect(model.view).toEqual({ kind: 'oauthPending', provider: 'github' });
    await browserOpened(fake);
    fake.completeOauth();
    await flow;
    expect(model.view).toMatchObject({ kind: 'signedIn', user: { email: 'oauth.user@example.com' } });
    expect(model.oauthFailure).toBeNull();
  });

  it('our own cancel goes back to signed out quietly', async () => {
    const { model, fake } = setup();
    await model.start();
    const flow = model.startOauth('google');
    await browserOpened(fake);
    await model.cancelOauth();
    await flow;
    expect(model.state).toEqual(SIGNED_OUT);
    expect(model.oauthFailure).toBeNull();
    expect(fake.calls.cancelOauth).toBe(1);
  });

  it('records a timeout in oauthFailure and leaves the waiting state', async () => {
    const { model } = setup({ oauthTimeoutMs: 5 });
    await model.start();
    await model.startOauth('google');
    expect(model.state).toEqual(SIGNED_OUT);
    expect(model.oauthFailure).toEqual({ provider: 'google', error: { code: 'timed_out', message: expect.any(String) } });
  });

  it('resyncs from the backend when a flow fails before it ever started', async () => {
    // Not subscribed, so only the model's own resync can leave oauthPending.
    const { model, fake } = setup();
    fake.failNext.startOauth = { code: 'offline', message: 'no network' };
    await model.startOauth('github');
    expect(fake.calls.authState).toBe(1);
    expect(model.state).toEqual(SIGNED_OUT);
    expect(model.oauthFailure).toEqual({ provider: 'github', error: { code: 'offline', message: 'no network' } });
  });

  it('never stays in oauthPending after a failure, even if the backend still says so', async () => {
    const { model, backend, fake } = setup();
    fake.failNext.startOauth = { code: 'server', message: 'boom' };
    vi.spyOn(backend, 'authState').mockResolvedValue({ status: 'oauthPending', provider: 'github' });
    await model.startOauth('github');
    expect(model.state).toEqual(SIGNED_OUT);
    expect(model.oauthFailure?.error.code).toBe('server');
  });

  it('a cancelled code that was not our Cancel is still shown', async () => {
    const { model, fake } = setup();
    await model.start();
    fake.failNext.startOauth = { code: 'cancelled', message: 'closed in the browser' };
    await model.startOauth('google');
    expect(model.oauthFailure?.error.code).toBe('cancelled');
  });

  it('a new attempt, dismissing, or signing in clears the recorded failure', async () => {
    const { model, fake } = setup({ oauthTimeoutMs: 5 });
    await model.start();
    await model.startOauth('google');
    expect(model.oauthFailure).not.toBeNull();
    model.dismissOauthFailure();
    expect(model.oauthFailure).toBeNull();

    await model.startOauth('google');
    expect(model.oauthFailure).not.toBeNull();
    fake.oauthTimeoutMs = 60_000;
    const retry = model.startOauth('github');
    expect(model.oauthFailure).toBeNull();
    await browserOpened(fake);
    fake.completeOauth();
    await retry;
    expect(model.state.status).toBe('signedIn');
    expect(model.oauthFailure).toBeNull();
  });
});

describe('signOut', () => {
  it('signs out with reason signed_out, flagging signingOut while it runs', async () => {
    const { model } = setup({ initial: SIGNED_IN });
    await model.start();
    const pending = model.signOut();
    expect(model.signingOut).toBe(true);
    expect(await pending).toBeNull();
    expect(model.signingOut).toBe(false);
    expect(model.signOutError).toBeNull();
    expect(model.view).toEqual({ kind: 'signedOut', reason: 'signed_out' });
  });

  it('keeps the session and the error when sign-out fails, and clears it on the next try', async () => {
    const { model, fake } = setup({ initial: SIGNED_IN });
    await model.start();
    fake.failNext.signOut = { code: 'internal', message: 'keychain locked' };
    expect((await model.signOut())?.code).toBe('internal');
    expect(model.signOutError?.code).toBe('internal');
    expect(model.signingOut).toBe(false);
    expect(model.state).toEqual(SIGNED_IN);

    const retry = model.signOut();
    expect(model.signOutError).toBeNull();
    await retry;
    expect(model.state.status).toBe('signedOut');
  });

  it('forgets a failed sign-out once that session ends another way', async () => {
    const { model, fake } = setup({ initial: SIGNED_IN });
    await model.start();
    fake.failNext.signOut = { code: 'internal', message: 'keychain locked' };
    await model.signOut();
    fake.setOffline(true);
    expect(model.signOutError?.code).toBe('internal');
    fake.expireSession();
    expect(model.signOutError).toBeNull();
  });
});

describe('authView', () => {
  // One sample per generated status: a status added to AuthState is a type
  // error here until it gets a sample (and so a row in the table below).
  const SAMPLES = {
    restoring: { status: 'restoring' },
    signedOut: { status: 'signedOut', reason: 'session_expired' },
    signedIn: { status: 'signedIn', user: USER, offline: true, persistence: 'memory_only' },
    passwordRecovery: { status: 'passwordRecovery', user: USER },
    oauthPending: { status: 'oauthPending', provider: 'google' },
  } as const satisfies { [S in AuthState['status']]: Extract<AuthState, { status: S }> };

  const EXPECTED: { [S in AuthState['status']]: AuthView } = {
    restoring: { kind: 'restoring' },
    signedOut: { kind: 'signedOut', reason: 'session_expired' },
    signedIn: { kind: 'signedIn', user: USER, offline: true, persistence: 'memory_only' },
    passwordRecovery: { kind: 'recovery', user: USER },
    oauthPending: { kind: 'oauthPending', provider: 'google' },
  };

  it.each(Object.keys(SAMPLES) as AuthState['status'][])('maps %s', (status) => {
    expect(authView(SAMPLES[status])).toEqual(EXPECTED[status]);
  });

  it('keeps a null sign-out reason', () => {
    expect(authView(SIGNED_OUT)).toEqual({ kind: 'signedOut', reason: null });
  });

  it('throws on a status the bindings do not know rather than rendering nothing', () => {
    expect(() => authView({ status: 'locked' } as unknown as AuthState)).toThrow(/unknown auth state/);
  });
});
