// The banners above the main area: one offline banner (history's when sync
// is offline, the session's when only the refresh is), shown over an open
// conversation too, and the one-time "cache rebuilt" notice.
import { fireEvent, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeId } from '../../fake-history-seed';
import { locale, translate } from '../../i18n';
import { SIGNED_IN } from '../../../test/auth-app';
import { fakeLayout, item, renderHistoryApp, waitForItems } from '../../../test/history-app';

beforeEach(() => {
  fakeLayout();
});

afterEach(() => {
  locale.setPreference('system');
});

describe('offline banner', () => {
  it('says history is available when sync is offline, and goes away when back online', async () => {
    const { fake } = renderHistoryApp();
    await waitForItems(4);
    expect(screen.queryByTestId('sync-offline-banner')).toBeNull();
    fake.setOffline(true);
    const banner = await screen.findByTestId('sync-offline-banner');
    expect(banner.textContent?.trim()).toBe(
      "You're offline. Your history is available; new messages will wait until you're back online.",
    );
    // Reads keep working from the cache.
    await fireEvent.click(within(item(fakeId('c', 1))).getByTestId('conversation-title'));
    const view = await screen.findByTestId('conversation-view');
    await waitFor(() => expect(within(view).getAllByTestId('message-item')).toHaveLength(2));
    expect(screen.getByTestId('sync-offline-banner')).toBeTruthy();

    fake.setOffline(false);
    await waitFor(() => expect(screen.queryByTestId('sync-offline-banner')).toBeNull());
  });

  it('shows one banner, not two, when the session is offline as well', async () => {
    const { fake } = renderHistoryApp({
      auth: { initial: { ...SIGNED_IN, offline: true } },
      history: { offline: true },
    });
    await waitForItems(4);
    expect(await screen.findByTestId('sync-offline-banner')).toBeTruthy();
    expect(screen.queryByTestId('offline-banner')).toBeNull();
    expect(screen.getAllByRole('status').filter((el) => el.textContent?.includes('offline'))).toHaveLength(1);

    // Sync reaches the server again while the session still waits to refresh.
    fake.setOffline(false);
    const session = await screen.findByTestId('offline-banner');
    expect(session.textContent?.trim()).toBe(translate('en', 'account.offline'));
    expect(screen.queryByTestId('sync-offline-banner')).toBeNull();
  });

  it('speaks French', async () => {
    locale.setPreference('fr');
    renderHistoryApp({ history: { offline: true } });
    const banner = await screen.findByTestId('sync-offline-banner');
    expect(banner.textContent?.trim()).toBe(translate('fr', 'history.offline'));
    expect(banner.textContent).toContain('hors ligne');
  });
});

describe('cache rebuilt notice', () => {
  it('appears when the cache was rebuilt, and stays gone once dismissed', async () => {
    const { fake } = renderHistoryApp();
    await waitForItems(4);
    expect(screen.queryByTestId('cache-rebuilt-notice')).toBeNull();
    fake.noticeCacheRebuilt();
    const notice = await screen.findByTestId('cache-rebuilt-notice');
    expect(notice.textContent).toContain('rebuilt from the server');
    await fireEvent.click(screen.getByTestId('cache-rebuilt-dismiss'));
    expect(screen.queryByTestId('cache-rebuilt-notice')).toBeNull();
    fake.touch();
    await waitForItems(4);
    expect(screen.queryByTestId('cache-rebuilt-notice')).toBeNull();
  });
});
