// The launch `main.ts` starts before the shell mounts: the models subscribe
// before the question is asked, the question is asked once, the wait is
// bounded, an early session change still wins, and the history is on the
// session's user with the answer's cached list, without another call.
import { describe, expect, it, vi } from 'vitest';
import type { AuthState, LaunchState, Profile } from './backend';
import { FakeBackend } from './backend-fake';
import { Launch } from './launch';
import { recordCalls } from '../test/calls';
import { NOW, seed } from '../test/history-app';

const ADA = { email: 'ada@example.com', password: 'analytical-engine' };
const USER: Profile = { id: '00000000-0000-4000-8000-00000000000a', email: ADA.email };
const SIGNED_IN: AuthState = { status: 'signedIn', user: USER, offline: false, persistence: 'keychain' };

function setup(initial: AuthState = SIGNED_IN) {
  const backend = new FakeBackend({
    auth: { accounts: { [ADA.email]: ADA.password }, initial },
    history: { conversations: seed(), now: () => NOW },
  });
  return { backend, launch: new Launch(backend, { now: () => NOW }) };
}

/** A launch state the test hands over when it chooses. */
function holdLaunchState(backend: FakeBackend) {
  let answer: (launch: LaunchState) => void = () => undefined;
  const ask = vi
    .spyOn(backend, 'launchState')
    .mockReturnValue(new Promise<LaunchState>((resolve) => (answer = resolve)));
  return { ask, answer: (launch: LaunchState) => answer(launch) };
}

describe('Launch', () => {
  it('subscribes the session and the history before it asks, and asks once', async () => {
    const { backend, launch } = setup();
    const order = recordCalls(backend, ['onAuthChanged', 'onHistoryChanged', 'onSyncChanged', 'launchState']);
    const first = launch.start();
    expect(launch.start()).toBe(first);
    await launch.startWithin(1000);
    await first;
    expect(order.filter((name) => name === 'launchState')).toEqual(['launchState']);
    expect(order.indexOf('launchState')).toBe(order.length - 1);
    expect(order).toEqual(expect.arrayContaining(['onAuthChanged', 'onHistoryChanged', 'onSyncChanged']));
    expect(launch.auth.state).toEqual(SIGNED_IN);
    launch.stop();
  });

  it('stops waiting after waitMs, unsettled, and applies the answer when it comes', async () => {
    const { backend, launch } = setup();
    const { answer } = holdLaunchState(backend);
    await launch.startWithin(5);
    expect(launch.auth.settled).toBe(false);
    expect(launch.auth.view).toEqual({ kind: 'restoring' });

    answer({ auth: SIGNED_IN, conversations: null });
    await vi.waitFor(() => expect(launch.auth.settled).toBe(true));
    expect(launch.auth.state).toEqual(SIGNED_IN);
    launch.stop();
  });

  it('lets a session change sent while the question is out win over the answer', async () => {
    const { backend, launch } = setup({ status: 'signedOut', reason: null });
    const { answer } = holdLaunchState(backend);
    const started = launch.start();
    const signedIn = await backend.signIn(ADA.email, ADA.password);
    expect(signedIn.status).toBe('ok');
    expect(launch.auth.state.status).toBe('signedIn');

    answer({ auth: { status: 'signedOut', reason: null }, conversations: null });
    await started;
    expect(launch.auth.state.status).toBe('signedIn');
    launch.stop();
  });

  it("has the history on the session's user, with the answer's cached list, once the answer is in", async () => {
    const { backend, launch } = setup();
    const list = vi.spyOn(backend, 'listConversations');
    await launch.start();
    // Ready without a further await: the shell mounted now draws the list.
    expect(launch.history.user).toBe(USER.id);
    expect(launch.history.list.kind).toBe('ready');
    expect(launch.history.conversations.map((c) => c.id)).toHaveLength(seed().length);
    // The shell's own effect then finds it on this user and asks nothing.
    launch.history.setUser(USER.id);
    expect(list).not.toHaveBeenCalled();
    launch.stop();
  });

  it('leaves the history without a user when the answer is signed out', async () => {
    const { backend, launch } = setup({ status: 'signedOut', reason: null });
    const list = vi.spyOn(backend, 'listConversations');
    await launch.start();
    expect(launch.history.user).toBeNull();
    expect(launch.history.list.kind).toBe('idle');
    expect(list).not.toHaveBeenCalled();
    launch.stop();
  });
});
