// The other signed-out screens inside the App, over the in-memory fake:
// sign-up (auto-confirm and confirmation e-mail), forgot password (which
// never says whether the account exists) and the new-password form shown
// for a recovery session.
import { screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { ADA, ADA_PROFILE, click, fillAndSubmit, renderApp, submit, enter } from '../../../test/auth-app';
import { locale, translate } from '../../i18n';

afterEach(() => {
  locale.setPreference('system');
});

async function openSignUp() {
  await screen.findByTestId('auth-signin-form');
  await click('auth-to-signup');
  return screen.findByTestId('auth-signup-form');
}

async function openForgot() {
  await screen.findByTestId('auth-signin-form');
  await click('auth-to-forgot');
  return screen.findByTestId('auth-forgot-form');
}

describe('sign up', () => {
  it('signs in at once when the server auto-confirms', async () => {
    const { fake } = renderApp();
    await openSignUp();
    await fillAndSubmit('auth-signup-form', 'grace@example.com', 'compiler-1952');
    expect((await screen.findByTestId('signed-in-email')).textContent).toBe('grace@example.com');
    expect(fake.hasAccount('grace@example.com')).toBe(true);
  });

  it('shows the check-mailbox state naming the address in confirmation mode', async () => {
    const { fake } = renderApp({ requireConfirmation: true });
    await openSignUp();
    await fillAndSubmit('auth-signup-form', ' grace@example.com ', 'compiler-1952');
    const mailbox = await screen.findByTestId('auth-check-mailbox');
    expect(mailbox.textContent).toContain(translate('en', 'auth.signup.sent', { email: 'grace@example.com' }));
    expect(screen.queryByTestId('auth-signup-form')).toBeNull();
    expect(screen.queryByTestId('signed-in-panel')).toBeNull();

    // Back on sign-in, the account cannot be used before it is confirmed...
    await click('auth-to-signin');
    await fillAndSubmit('auth-signin-form', 'grace@example.com', 'compiler-1952');
    expect((await screen.findByTestId('auth-error')).dataset['code']).toBe('email_not_confirmed');

    // ...and can once the link was opened.
    fake.confirmEmail('grace@example.com');
    await submit('auth-signin-form');
    expect((await screen.findByTestId('signed-in-email')).textContent).toBe('grace@example.com');
  });

  it('shows email_taken for an existing account, in French', async () => {
    locale.setPreference('fr');
    renderApp();
    await openSignUp();
    await fillAndSubmit('auth-signup-form', ADA.email, 'another-password');
    const error = await screen.findByTestId('auth-error');
    expect(error.dataset['code']).toBe('email_taken');
    expect(error.textContent?.trim()).toBe(translate('fr', 'error.email_taken'));
    expect(screen.getByTestId('auth-signup-form')).toBeTruthy();
  });

  it('shows weak_password from the server', async () => {
    renderApp();
    await openSignUp();
    await fillAndSubmit('auth-signup-form', 'grace@example.com', 'password');
    expect((await screen.findByTestId('auth-error')).dataset['code']).toBe('weak_password');
  });

  it('checks the input before calling the backend', async () => {
    const { fake } = renderApp();
    await openSignUp();
    await fillAndSubmit('auth-signup-form', 'grace.example.com', 'compiler-1952');
    expect((await screen.findByTestId('auth-email-error')).textContent).toBe(translate('en', 'auth.invalid.email'));

    await fillAndSubmit('auth-signup-form', 'grace@example.com', 'x'.repeat(73));
    expect((await screen.findByTestId('auth-password-error')).textContent).toBe(translate('en', 'auth.invalid.passwordLong'));
    expect(fake.calls.signUp).toBe(0);
  });

  it('can start OAuth from the sign-up screen', async () => {
    renderApp();
    await openSignUp();
    await click('auth-oauth-github');
    expect((await screen.findByTestId('auth-oauth-pending')).textContent).toContain('GitHub');
  });
});

describe('forgot password', () => {
  it('shows the sent state for a known address', async () => {
    const { fake } = renderApp();
    await openForgot();
    await enter('auth-email', ADA.email);
    await submit('auth-forgot-form');
    const sent = await screen.findByTestId('auth-forgot-sent');
    expect(sent.textContent).toContain(translate('en', 'auth.forgot.sent', { email: ADA.email }));
    expect(fake.resetRequests).toEqual([ADA.email]);

    await click('auth-to-signin');
    expect(await screen.findByTestId('auth-signin-form')).toBeTruthy();
  });

  it('shows the same sent state for an unknown address', async () => {
    const { fake } = renderApp();
    await openForgot();
    await enter('auth-email', 'nobody@example.com');
    await submit('auth-forgot-form');
    expect(await screen.findByTestId('auth-forgot-sent')).toBeTruthy();
    expect(fake.hasAccount('nobody@example.com')).toBe(false);
  });

  it('hides errors that would tell whether the account exists', async () => {
    const { fake } = renderApp();
    fake.failNext.requestPasswordReset = { code: 'email_not_confirmed', message: 'unconfirmed' };
    await openForgot();
    await enter('auth-email', ADA.email);
    await submit('auth-forgot-form');
    expect(await screen.findByTestId('auth-forgot-sent')).toBeTruthy();
    expect(screen.queryByTestId('auth-error')).toBeNull();
  });

  it('shows a failure to send (offline) and stays on the form', async () => {
    const { fake } = renderApp();
    fake.offline = true;
    await openForgot();
    await enter('auth-email', ADA.email);
    await submit('auth-forgot-form');
    const error = await screen.findByTestId('auth-error');
    expect(error.dataset['code']).toBe('offline');
    expect(screen.getByTestId('auth-forgot-form')).toBeTruthy();
    expect(screen.queryByTestId('auth-forgot-sent')).toBeNull();
  });

  it('validates the address without calling the backend', async () => {
    const { fake } = renderApp();
    await openForgot();
    await enter('auth-email', 'ada@');
    await submit('auth-forgot-form');
    expect(await screen.findByTestId('auth-email-error')).toBeTruthy();
    expect(fake.calls.requestPasswordReset).toBe(0);
  });
});

describe('password recovery', () => {
  it('shows the new-password form for a recovery session, naming the account', async () => {
    renderApp({ initial: { status: 'passwordRecovery', user: ADA_PROFILE } });
    const form = await screen.findByTestId('auth-new-password-form');
    expect(document.body.textContent).toContain(translate('en', 'auth.recovery.subtitle', { email: ADA.email }));
    expect(form.querySelector('[data-testid="auth-email"]')).toBeNull();
    expect(screen.queryByTestId('auth-signin-form')).toBeNull();
  });

  it('appears when the e-mailed link is opened while signed out', async () => {
    const { fake } = renderApp();
    await screen.findByTestId('auth-signin-form');
    fake.openRecoveryLink(ADA.email);
    expect(await screen.findByTestId('auth-new-password-form')).toBeTruthy();
  });

  it('saves the new password and signs in; the new password then works', async () => {
    const { fake } = renderApp({ initial: { status: 'passwordRecovery', user: ADA_PROFILE } });
    await screen.findByTestId('auth-new-password-form');
    await enter('auth-password', 'brand-new-secret');
    await submit('auth-new-password-form');
    expect((await screen.findByTestId('signed-in-email')).textContent).toBe(ADA.email);
    expect(fake.calls.setNewPassword).toBe(1);
    expect((await fake.signIn(ADA.email, 'brand-new-secret')).status).toBe('ok');
  });

  it('checks the length first, and shows weak_password from the server', async () => {
    const { fake } = renderApp({ initial: { status: 'passwordRecovery', user: ADA_PROFILE } });
    await screen.findByTestId('auth-new-password-form');
    await enter('auth-password', 'abc');
    await submit('auth-new-password-form');
    expect((await screen.findByTestId('auth-password-error')).textContent).toBe(translate('en', 'auth.invalid.passwordShort'));
    expect(fake.calls.setNewPassword).toBe(0);

    await enter('auth-password', 'qwerty');
    await submit('auth-new-password-form');
    expect((await screen.findByTestId('auth-error')).dataset['code']).toBe('weak_password');
    expect(screen.getByTestId('auth-new-password-form')).toBeTruthy();
  });

  it('Cancel signs out back to the sign-in form', async () => {
    const { fake } = renderApp({ initial: { status: 'passwordRecovery', user: ADA_PROFILE } });
    await screen.findByTestId('auth-new-password-form');
    await click('auth-recovery-cancel');
    expect(await screen.findByTestId('auth-signin-form')).toBeTruthy();
    await waitFor(() => expect(fake.calls.signOut).toBe(1));
    expect(screen.queryByTestId('auth-session-expired')).toBeNull();
  });
});
