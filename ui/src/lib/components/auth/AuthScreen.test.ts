// The sign-in screen inside the App, over the in-memory fake: restoring (and
// its hint once it takes long), signing in,
// the localized error for a wrong password, client-side validation (no call
// made), the session-expired banner, switching screens, and OAuth.
import { screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ADA, click, enter, fillAndSubmit, renderApp, SIGNED_IN, submit } from '../../../test/auth-app';
import { locale, translate } from '../../i18n';
import { SLOW_RESTORE_MS } from './AuthScreen.svelte';

afterEach(() => {
  locale.setPreference('system');
});

async function signInPanel() {
  return screen.findByTestId('auth-signin-form');
}

describe('sign in', () => {
  it('signs in and shows the account e-mail in the signed-in panel', async () => {
    const { fake } = renderApp();
    await fillAndSubmit('auth-signin-form', `  ${ADA.email} `, ADA.password);
    expect((await screen.findByTestId('signed-in-email')).textContent).toBe(ADA.email);
    expect(screen.getByTestId('signed-in-panel')).toBeTruthy();
    expect(screen.queryByTestId('auth-signin-form')).toBeNull();
    expect(screen.getByTestId('sign-out')).toBeTruthy();
    expect(fake.calls.signIn).toBe(1);
    // Nothing in the panel is a stale notice.
    expect(screen.queryByTestId('offline-banner')).toBeNull();
    expect(screen.queryByTestId('memory-only-notice')).toBeNull();
  });

  it('shows the restoring state until the session is known', async () => {
    const { fake } = renderApp({ initial: { status: 'restoring' } });
    expect(await screen.findByTestId('auth-restoring')).toBeTruthy();
    expect(screen.queryByTestId('auth-signin-form')).toBeNull();
    fake.emit(SIGNED_IN);
    expect((await screen.findByTestId('signed-in-email')).textContent).toBe(ADA.email);
  });

  it('says what it may be waiting for once restoring takes long, until the session is known', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const { fake } = renderApp({ initial: { status: 'restoring' } });
      await vi.advanceTimersByTimeAsync(SLOW_RESTORE_MS - 100);
      expect(screen.getByTestId('auth-restoring')).toBeTruthy();
      expect(screen.queryByTestId('auth-restoring-slow')).toBeNull();

      await vi.advanceTimersByTimeAsync(200);
      const hint = screen.getByTestId('auth-restoring-slow');
      expect(hint.textContent?.trim()).toBe(translate('en', 'auth.restoringSlow'));
      // Inside the status region, so a screen reader announces it.
      expect(screen.getByTestId('auth-restoring').contains(hint)).toBe(true);

      fake.emit(SIGNED_IN);
      await vi.advanceTimersByTimeAsync(0);
      expect((await screen.findByTestId('signed-in-email')).textContent).toBe(ADA.email);
      expect(screen.queryByTestId('auth-restoring-slow')).toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });

  it('shows the English message for a wrong password, not the backend text', async () => {
    const { fake } = renderApp();
    await fillAndSubmit('auth-signin-form', ADA.email, 'wrong-password');
    const error = await screen.findByTestId('auth-error');
    expect(error.dataset['code']).toBe('invalid_credentials');
    expect(error.textContent?.trim()).toBe(translate('en', 'error.invalid_credentials'));
    expect(error.textContent).not.toContain('fake');
    expect(error.getAttribute('role')).toBe('alert');
    expect(screen.getByTestId('auth-signin-form')).toBeTruthy();
    expect(fake.calls.signIn).toBe(1);
  });

  it('shows the French message for a wrong password, and follows a live switch', async () => {
    locale.setPreference('fr');
    renderApp();
    await fillAndSubmit('auth-signin-form', ADA.email, 'wrong-password');
    const error = await screen.findByTestId('auth-error');
    expect(error.dataset['code']).toBe('invalid_credentials');
    expect(error.textContent?.trim()).toBe('E-mail ou mot de passe incorrect.');

    locale.setPreference('en');
    await waitFor(() => expect(error.textContent?.trim()).toBe('Wrong e-mail or password.'));
  });

  it('clears the previous error when trying again', async () => {
    renderApp();
    await fillAndSubmit('auth-signin-form', ADA.email, 'wrong-password');
    await screen.findByTestId('auth-error');
    await fillAndSubmit('auth-signin-form', ADA.email, ADA.password);
    await screen.findByTestId('signed-in-panel');
    expect(screen.queryByTestId('auth-error')).toBeNull();
  });

  it('shows the email_not_confirmed message for an unconfirmed account', async () => {
    const { fake } = renderApp();
    fake.addAccount('new@example.com', 'secret-123', false);
    await fillAndSubmit('auth-signin-form', 'new@example.com', 'secret-123');
    expect((await screen.findByTestId('auth-error')).dataset['code']).toBe('email_not_confirmed');
  });
});

describe('client-side validation', () => {
  it('blocks a malformed e-mail without calling the backend', async () => {
    const { fake } = renderApp();
    await fillAndSubmit('auth-signin-form', 'ada@example', ADA.password);
    const message = await screen.findByTestId('auth-email-error');
    expect(message.textContent).toBe(translate('en', 'auth.invalid.email'));
    const input = screen.getByTestId('auth-email');
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(input.getAttribute('aria-describedby')).toBe(message.id);
    expect(document.activeElement).toBe(input);
    expect(fake.calls.signIn).toBe(0);
    expect(screen.queryByTestId('auth-error')).toBeNull();
  });

  it('blocks an empty form and a too-short password, in French too', async () => {
    locale.setPreference('fr');
    const { fake } = renderApp();
    await signInPanel();
    await submit('auth-signin-form');
    expect((await screen.findByTestId('auth-email-error')).textContent).toBe(translate('fr', 'auth.invalid.emailRequired'));

    await fillAndSubmit('auth-signin-form', ADA.email, '12345');
    await waitFor(() => expect(screen.queryByTestId('auth-email-error')).toBeNull());
    expect(screen.getByTestId('auth-password-error').textContent).toBe(translate('fr', 'auth.invalid.passwordShort'));
    expect(document.activeElement).toBe(screen.getByTestId('auth-password'));
    expect(fake.calls.signIn).toBe(0);
  });

  it('shows no error before the first attempt, and updates it while typing after', async () => {
    renderApp();
    const form = await signInPanel();
    await enter('auth-email', 'not-an-address', form);
    expect(screen.queryByTestId('auth-email-error')).toBeNull();
    await submit('auth-signin-form');
    await screen.findByTestId('auth-email-error');
    await enter('auth-email', ADA.email, form);
    await waitFor(() => expect(screen.queryByTestId('auth-email-error')).toBeNull());
  });
});

describe('session expired', () => {
  it('shows the banner for signedOut with reason session_expired', async () => {
    renderApp({ initial: { status: 'signedOut', reason: 'session_expired' } });
    const banner = await screen.findByTestId('auth-session-expired');
    expect(banner.textContent?.trim()).toBe(translate('en', 'auth.signin.sessionExpired'));
    expect(screen.getByTestId('auth-signin-form')).toBeTruthy();
  });

  it.each([null, 'signed_out'] as const)('shows no banner for reason %s', async (reason) => {
    renderApp({ initial: { status: 'signedOut', reason } });
    await signInPanel();
    expect(screen.queryByTestId('auth-session-expired')).toBeNull();
  });

  it('leaves the signed-in panel for the banner when the session expires', async () => {
    const { fake } = renderApp({ initial: SIGNED_IN });
    await screen.findByTestId('signed-in-panel');
    fake.expireSession();
    expect(await screen.findByTestId('auth-session-expired')).toBeTruthy();
    expect(screen.queryByTestId('signed-in-panel')).toBeNull();
    expect(screen.queryByTestId('sign-out')).toBeNull();
  });
});

describe('switching screens', () => {
  it('goes to sign-up, forgot-password and back, keeping the typed e-mail', async () => {
    renderApp();
    await enter('auth-email', 'grace@example.com', await signInPanel());

    await click('auth-to-signup');
    const signup = await screen.findByTestId('auth-signup-form');
    expect(signup.querySelector<HTMLInputElement>('[data-testid="auth-email"]')?.value).toBe('grace@example.com');
    expect(screen.queryByTestId('auth-signin-form')).toBeNull();

    await click('auth-to-signin');
    await click('auth-to-forgot');
    const forgot = await screen.findByTestId('auth-forgot-form');
    expect(forgot.querySelector<HTMLInputElement>('[data-testid="auth-email"]')?.value).toBe('grace@example.com');

    await click('auth-to-signin');
    expect(await signInPanel()).toBeTruthy();
  });
});

describe('OAuth', () => {
  it('shows the waiting panel naming the provider, and Cancel returns quietly', async () => {
    const { fake } = renderApp();
    await signInPanel();
    await click('auth-oauth-github');
    const pending = await screen.findByTestId('auth-oauth-pending');
    expect(pending.textContent).toContain('GitHub');
    expect(screen.queryByTestId('auth-signin-form')).toBeNull();
    await waitFor(() => expect(fake.state.status).toBe('oauthPending'));

    await click('auth-oauth-cancel');
    expect(await signInPanel()).toBeTruthy();
    expect(screen.queryByTestId('auth-oauth-pending')).toBeNull();
    expect(screen.queryByTestId('auth-oauth-failed')).toBeNull();
    expect(screen.queryByTestId('auth-error')).toBeNull();
    expect(fake.calls.cancelOauth).toBe(1);
  });

  it('signs in when the browser flow completes', async () => {
    const { fake } = renderApp();
    await signInPanel();
    await click('auth-oauth-google');
    expect((await screen.findByTestId('auth-oauth-pending')).textContent).toContain('Google');
    await waitFor(() => expect(fake.state.status).toBe('oauthPending'));
    fake.completeOauth('grace@example.com');
    expect((await screen.findByTestId('signed-in-email')).textContent).toBe('grace@example.com');
  });

  it('shows a timeout with its code, then goes back to sign in', async () => {
    const { fake } = renderApp({ oauthTimeoutMs: 5 });
    await signInPanel();
    await click('auth-oauth-google');
    const failed = await screen.findByTestId('auth-oauth-failed');
    expect(failed.textContent).toContain('Google');
    const error = screen.getByTestId('auth-error');
    expect(error.dataset['code']).toBe('timed_out');
    expect(error.textContent?.trim()).toBe(translate('en', 'error.timed_out'));

    await click('auth-to-signin');
    expect(await signInPanel()).toBeTruthy();
    expect(screen.queryByTestId('auth-oauth-failed')).toBeNull();
    expect(fake.calls.startOauth).toBe(1);
  });

  it('Try again starts the same provider again', async () => {
    const { fake } = renderApp();
    fake.failNext.startOauth = { code: 'offline', message: 'no network' };
    await signInPanel();
    await click('auth-oauth-github');
    expect((await screen.findByTestId('auth-error')).dataset['code']).toBe('offline');

    await click('auth-oauth-retry');
    expect((await screen.findByTestId('auth-oauth-pending')).textContent).toContain('GitHub');
    await waitFor(() => expect(fake.calls.startOauth).toBe(2));
    await waitFor(() => expect(fake.state).toEqual({ status: 'oauthPending', provider: 'github' }));
    fake.completeOauth();
    expect(await screen.findByTestId('signed-in-panel')).toBeTruthy();
  });
});
