// The signed-in panel inside the App, over the in-memory fake: the account
// e-mail, the offline banner, the memory-only notice, and signing out (with
// a failed sign-out's message).
import { screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { ADA, click, renderApp, SIGNED_IN } from '../../../test/auth-app';
import { locale, translate } from '../../i18n';

afterEach(() => {
  locale.setPreference('system');
});

describe('signed-in panel', () => {
  it('shows the account e-mail and no notices for a healthy keychain session', async () => {
    renderApp({ initial: SIGNED_IN });
    expect((await screen.findByTestId('signed-in-email')).textContent).toBe(ADA.email);
    expect(screen.queryByTestId('offline-banner')).toBeNull();
    expect(screen.queryByTestId('memory-only-notice')).toBeNull();
    expect(screen.queryByTestId('auth-signin-form')).toBeNull();
  });

  it('shows the offline banner when offline is true', async () => {
    renderApp({ initial: { ...SIGNED_IN, offline: true } });
    const banner = await screen.findByTestId('offline-banner');
    expect(banner.textContent?.trim()).toBe(translate('en', 'account.offline'));
    expect(screen.getByTestId('signed-in-email').textContent).toBe(ADA.email);
  });

  it('shows and hides the offline banner as connectivity changes', async () => {
    const { fake } = renderApp({ initial: SIGNED_IN });
    await screen.findByTestId('signed-in-panel');
    fake.setOffline(true);
    expect(await screen.findByTestId('offline-banner')).toBeTruthy();
    fake.setOffline(false);
    await waitFor(() => expect(screen.queryByTestId('offline-banner')).toBeNull());
    expect(screen.getByTestId('signed-in-panel')).toBeTruthy();
  });

  it('shows the memory-only notice for persistence memory_only, in French', async () => {
    locale.setPreference('fr');
    renderApp({ initial: { ...SIGNED_IN, persistence: 'memory_only' } });
    const notice = await screen.findByTestId('memory-only-notice');
    expect(notice.textContent?.trim()).toBe(translate('fr', 'account.memoryOnly'));
    expect(screen.queryByTestId('offline-banner')).toBeNull();
  });

  it('keeps the memory-only notice after signing in when the keychain is unavailable', async () => {
    const { fake } = renderApp({ persistence: 'memory_only' });
    await screen.findByTestId('auth-signin-form');
    await fake.signIn(ADA.email, ADA.password);
    expect(await screen.findByTestId('memory-only-notice')).toBeTruthy();
  });
});

describe('sign out', () => {
  it('signs out from the header, back to the sign-in form without the expiry banner', async () => {
    const { fake } = renderApp({ initial: SIGNED_IN });
    await screen.findByTestId('signed-in-panel');
    await click('sign-out');
    expect(await screen.findByTestId('auth-signin-form')).toBeTruthy();
    expect(screen.queryByTestId('signed-in-panel')).toBeNull();
    expect(screen.queryByTestId('sign-out')).toBeNull();
    expect(screen.queryByTestId('auth-session-expired')).toBeNull();
    expect(fake.calls.signOut).toBe(1);
  });

  it('keeps the panel and shows the error when sign-out fails', async () => {
    const { fake } = renderApp({ initial: SIGNED_IN });
    fake.failNext.signOut = { code: 'internal', message: 'keychain locked' };
    await screen.findByTestId('signed-in-panel');
    await click('sign-out');
    const error = await screen.findByTestId('auth-error');
    expect(error.dataset['code']).toBe('internal');
    expect(error.textContent).not.toContain('keychain locked');
    expect(screen.getByTestId('signed-in-panel')).toBeTruthy();
    expect((screen.getByTestId('sign-out') as HTMLButtonElement).disabled).toBe(false);

    await click('sign-out');
    expect(await screen.findByTestId('auth-signin-form')).toBeTruthy();
  });

  it('does not carry a failed sign-out message into the next session', async () => {
    const { fake } = renderApp({ initial: SIGNED_IN });
    fake.failNext.signOut = { code: 'internal', message: 'keychain locked' };
    await screen.findByTestId('signed-in-panel');
    await click('sign-out');
    await screen.findByTestId('auth-error');

    fake.expireSession();
    await screen.findByTestId('auth-session-expired');
    await fake.signIn(ADA.email, ADA.password);
    expect(await screen.findByTestId('signed-in-panel')).toBeTruthy();
    expect(screen.queryByTestId('auth-error')).toBeNull();
  });

  it('disables the button while signing out', async () => {
    const { backend } = renderApp({ initial: SIGNED_IN });
    await screen.findByTestId('signed-in-panel');
    backend.delayMs = 30;
    await click('sign-out');
    const button = screen.getByTestId('sign-out') as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    expect(button.textContent?.trim()).toBe(translate('en', 'account.signingOut'));
    expect(await screen.findByTestId('auth-signin-form')).toBeTruthy();
  });
});
