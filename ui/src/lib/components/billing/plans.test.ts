// Billing through the whole App over the in-memory fake: the sidebar's
// token meter (figures, warning, credits, Pro's month, offline), the plans
// dialog opened from it (cards and prices in English and French, the
// user's plan, Buy calling openCheckout with the right product, offers
// that cannot be bought, a checkout error inline, the wait and the
// confirmation once the purchase lands), and the composer once the tokens
// are used up (it opens the dialog instead of sending).
import { fireEvent, screen, waitFor, within } from '@testing-library/svelte';
import { flushSync } from 'svelte';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { locale } from '../../i18n';
import { composerInput, LYON, openConversation, renderChatApp, sendText } from '../../../test/chat-app';
import { fakeLayout } from '../../../test/history-app';

/** Intl writes French with narrow and non-breaking spaces; tests read them as plain spaces. */
const plain = (text: string | null | undefined) => text?.replace(/[\u00a0\u202f]/g, ' ').trim();

beforeEach(() => {
  fakeLayout();
});

afterEach(() => {
  locale.setPreference('system');
});

/** The meter once the quota has been read. */
async function meter(): Promise<HTMLElement> {
  const found = await screen.findByTestId('quota-meter');
  await waitFor(() => expect(found.dataset['plan']).not.toBe(''));
  return found;
}

/** Opens the plans dialog from the meter and waits for its cards. */
async function openPlans(): Promise<HTMLElement> {
  await meter();
  await fireEvent.click(screen.getByTestId('quota-plans'));
  const dialog = await screen.findByTestId('plans-dialog');
  await within(dialog).findByTestId('plans-cards');
  return dialog;
}

function text(testid: string): string | undefined {
  return plain(screen.getByTestId(testid).textContent);
}

describe('quota meter', () => {
  it('shows the week’s usage, the reset countdown and an accessible bar', async () => {
    renderChatApp({ billing: { initial: { used: 12_345 } } });
    const shown = await meter();
    expect(shown.dataset['plan']).toBe('free');
    expect(shown.dataset['warning']).toBe('false');
    expect(shown.dataset['exhausted']).toBe('false');
    expect(text('quota-usage')).toBe('12,345 / 25,000 tokens this week');
    expect(text('quota-reset')).toMatch(/^Resets in \d+ (d|h|min)/);
    expect(screen.queryByTestId('quota-credits')).toBeNull();
    const bar = screen.getByTestId('quota-bar');
    expect(bar.getAttribute('role')).toBe('meter');
    expect(bar.getAttribute('aria-valuenow')).toBe('12345');
    expect(bar.getAttribute('aria-valuemin')).toBe('0');
    expect(bar.getAttribute('aria-valuemax')).toBe('25000');
    expect(bar.getAttribute('aria-label')).toBe('Tokens used this week');
    expect(text('quota-plans')).toBe('Upgrade');
  });

  it('warns from 80 % and shows the credits on top', async () => {
    renderChatApp({ billing: { initial: { used: 20_000, credits: 250_000 } } });
    const shown = await meter();
    expect(shown.dataset['warning']).toBe('true');
    expect(text('quota-credits')).toBe('+250,000 credits');
    expect(text('quota-status')).toBe("You've used 80% of this week's tokens.");
  });

  it('moves after each reply', async () => {
    const { backend, fake } = renderChatApp({ billing: { initial: { used: 1_000 } } });
    await meter();
    fake.script('A short answer.');
    await sendText('Hello');
    await waitFor(() => expect(backend.billing.account()!.used).toBeGreaterThan(1_000));
    const used = backend.billing.account()!.used.toLocaleString('en');
    await waitFor(() => expect(text('quota-usage')).toBe(`${used} / 25,000 tokens this week`));
  });

  it('counts Pro by the month, in French too', async () => {
    renderChatApp({ billing: { initial: { plan: 'pro', used: 345_678 } } });
    const shown = await meter();
    expect(shown.dataset['plan']).toBe('pro');
    expect(text('quota-usage')).toBe('345,678 / 2,000,000 tokens this month');
    expect(text('quota-plans')).toBe('Get tokens');
    locale.setPreference('fr');
    flushSync();
    expect(text('quota-usage')).toBe('345 678 / 2 000 000 jetons ce mois-ci');
    expect(text('quota-reset')).toMatch(/^Renouvellement dans \d+ (j|h|min)/);
  });

  it('keeps the last figures offline, dimmed, without an error', async () => {
    const { backend } = renderChatApp({ billing: { initial: { used: 5_000 } } });
    await meter();
    backend.billing.offline = true;
    backend.auth.setOffline(true);
    const shown = screen.getByTestId('quota-meter');
    await waitFor(() => expect(shown.dataset['offline']).toBe('true'));
    expect(shown.classList.contains('dim')).toBe(true);
    expect(text('quota-usage')).toBe('5,000 / 25,000 tokens this week');
    expect(within(shown).queryByRole('alert')).toBeNull();
  });
});

describe('plans dialog', () => {
  it('opens from the meter as a modal dialog, and gives focus back when closed', async () => {
    renderChatApp();
    const dialog = await openPlans();
    expect(dialog.getAttribute('role')).toBe('dialog');
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    expect(dialog.contains(document.activeElement)).toBe(true);
    expect(screen.getByTestId('quota-plans').getAttribute('aria-expanded')).toBe('true');
    await fireEvent.keyDown(document, { key: 'Escape' });
    expect(screen.queryByTestId('plans-dialog')).toBeNull();
    expect(document.activeElement).toBe(screen.getByTestId('quota-plans'));
  });

  it('shows the three offers with their prices and tokens, and the user’s plan', async () => {
    renderChatApp();
    await openPlans();
    expect(text('plan-free-price')).toBe('No charge');
    expect(text('plan-free-tokens')).toBe('25,000 tokens a week');
    expect(text('plan-pro-price')).toBe('$15 / month');
    expect(text('plan-pro-tokens')).toBe('2,000,000 tokens a month');
    expect(text('plan-pack-price')).toBe('$5, paid once');
    expect(text('plan-pack-tokens')).toBe('250,000 tokens');
    expect(screen.getByTestId('plan-free').dataset['current']).toBe('true');
    expect(within(screen.getByTestId('plan-free')).getByTestId('plans-current')).toBeTruthy();
    expect(screen.getByTestId('plan-pro').dataset['current']).toBe('false');
    expect(text('plans-buy-pro')).toBe('Upgrade to Pro');
  });

  it('speaks French, prices included', async () => {
    locale.setPreference('fr');
    const { backend } = renderChatApp();
    backend.billing.plans.topUp.price = { amountMinor: 499, currency: 'eur' };
    await openPlans();
    expect(screen.getByRole('heading', { name: 'Offres et jetons' })).toBeTruthy();
    expect(text('plan-free-tokens')).toBe('25 000 jetons par semaine');
    expect(text('plan-pro-price')).toBe('15 $US / mois');
    expect(text('plan-pro-tokens')).toBe('2 000 000 jetons par mois');
    expect(text('plan-pack-price')).toBe('4,99 €, paiement unique');
    expect(text('plans-buy-pro')).toBe('Passer à Pro');
    expect(text('plans-buy-pack')).toBe('Acheter un pack');
  });

  it('opens the checkout of the product clicked, then waits for the payment', async () => {
    const { backend } = renderChatApp();
    await openPlans();
    await fireEvent.click(screen.getByTestId('plans-buy-pro'));
    await waitFor(() => expect(backend.billing.checkouts).toEqual(['pro']));
    const waiting = await screen.findByTestId('plans-waiting');
    expect(plain(waiting.textContent)).toContain('Finish paying in your browser…');
    expect(waiting.dataset['product']).toBe('pro');

    await fireEvent.click(screen.getByTestId('plans-buy-pack'));
    await waitFor(() => expect(backend.billing.checkouts).toEqual(['pro', 'top_up250k']));
    await waitFor(() => expect(screen.getByTestId('plans-waiting').dataset['product']).toBe('top_up250k'));
  });

  it('confirms the purchase once it lands, and the meter shows it', async () => {
    const { backend } = renderChatApp();
    await openPlans();
    await fireEvent.click(screen.getByTestId('plans-buy-pack'));
    await screen.findByTestId('plans-waiting');
    backend.billing.completePurchase('top_up250k');
    const confirmed = await screen.findByTestId('plans-confirmed');
    expect(plain(confirmed.textContent)).toBe('250,000 tokens added.');
    expect(screen.queryByTestId('plans-waiting')).toBeNull();
    expect(text('quota-credits')).toBe('+250,000 credits');
  });

  it('confirms Pro in the dialog, and the card becomes the current plan', async () => {
    const { backend } = renderChatApp();
    await openPlans();
    await fireEvent.click(screen.getByTestId('plans-buy-pro'));
    await screen.findByTestId('plans-waiting');
    backend.billing.completePurchase('pro');
    expect(plain((await screen.findByTestId('plans-confirmed')).textContent)).toBe("You're on Pro now.");
    expect(screen.getByTestId('plan-pro').dataset['current']).toBe('true');
    expect(screen.getByTestId('quota-meter').dataset['plan']).toBe('pro');
  });

  it('disables what cannot be bought here, and says so', async () => {
    const { backend } = renderChatApp();
    backend.billing.plans.pro.available = false;
    await openPlans();
    const pro = screen.getByTestId('plans-buy-pro') as HTMLButtonElement;
    expect(pro.disabled).toBe(true);
    expect(text('plans-buy-pro-unavailable')).toBe('Not available for now.');
    expect(pro.getAttribute('aria-describedby')).toBe('plans-buy-pro-unavailable');
    expect((screen.getByTestId('plans-buy-pack') as HTMLButtonElement).disabled).toBe(false);
    expect(screen.queryByTestId('plans-buy-pack-unavailable')).toBeNull();
    await fireEvent.click(pro);
    expect(backend.billing.calls.openCheckout).toBe(0);
  });

  it('shows a not_configured refusal inline, under the product', async () => {
    const { backend } = renderChatApp();
    await openPlans();
    backend.billing.failNext.openCheckout = { code: 'not_configured', message: 'no link' };
    await fireEvent.click(screen.getByTestId('plans-buy-pack'));
    const error = await screen.findByTestId('plans-error');
    expect(error.dataset['code']).toBe('not_configured');
    expect(error.getAttribute('role')).toBe('alert');
    expect(plain(error.textContent)).toBe('This cannot be bought from this installation yet.');
    expect(screen.getByTestId('plan-pack').contains(error)).toBe(true);
    expect(screen.queryByTestId('plans-waiting')).toBeNull();
  });

  it('shows a Pro user their current plan instead of Buy Pro, and still sells packs', async () => {
    const { backend } = renderChatApp({ billing: { initial: { plan: 'pro' } } });
    await openPlans();
    expect(screen.queryByTestId('plans-buy-pro')).toBeNull();
    const current = screen.getByTestId('plans-pro-current') as HTMLButtonElement;
    expect(plain(current.textContent)).toBe('Current plan');
    expect(current.disabled).toBe(true);
    expect(screen.getByTestId('plan-pro').dataset['current']).toBe('true');
    expect(screen.getByTestId('plan-free').dataset['current']).toBe('false');
    await fireEvent.click(screen.getByTestId('plans-buy-pack'));
    await waitFor(() => expect(backend.billing.checkouts).toEqual(['top_up250k']));
  });

  it('stops waiting when closed', async () => {
    const { backend } = renderChatApp();
    await openPlans();
    await fireEvent.click(screen.getByTestId('plans-buy-pro'));
    await screen.findByTestId('plans-waiting');
    await fireEvent.click(screen.getByTestId('plans-close'));
    expect(screen.queryByTestId('plans-dialog')).toBeNull();
    // Opened again, it starts afresh rather than still waiting.
    await fireEvent.click(screen.getByTestId('quota-plans'));
    await screen.findByTestId('plans-cards');
    expect(screen.queryByTestId('plans-waiting')).toBeNull();
    expect(backend.billing.checkouts).toEqual(['pro']);
  });
});

describe('out of tokens', () => {
  it('the composer says so, and its notice opens the plans dialog', async () => {
    renderChatApp({ billing: { initial: { used: 25_000 } } });
    const notice = await screen.findByTestId('composer-out-of-tokens');
    expect(plain(notice.textContent)).toContain("You've used your tokens.");
    expect(screen.getByTestId('quota-meter').dataset['exhausted']).toBe('true');
    await fireEvent.click(notice);
    const dialog = await screen.findByTestId('plans-dialog');
    expect(within(dialog).getByTestId('plans-exhausted')).toBeTruthy();
  });

  it('Enter opens the plans dialog instead of sending, and keeps the text', async () => {
    const { fake } = renderChatApp({ billing: { initial: { used: 25_000 } } });
    await screen.findByTestId('composer-out-of-tokens');
    const input = composerInput();
    await fireEvent.input(input, { target: { value: 'One more question' } });
    const event = new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true });
    input.dispatchEvent(event);
    expect(event.defaultPrevented).toBe(true);
    await screen.findByTestId('plans-dialog');
    expect(fake.calls.sendMessage).toBe(0);
    expect(composerInput().value).toBe('One more question');
  });

  it('Send opens the plans dialog too, in an open conversation', async () => {
    const { fake } = renderChatApp({ billing: { initial: { used: 25_000 } } });
    await openConversation(LYON);
    await screen.findByTestId('composer-out-of-tokens');
    await sendText('Still there?');
    await screen.findByTestId('plans-dialog');
    expect(fake.calls.sendMessage).toBe(0);
  });

  it('sends again once credits arrive', async () => {
    const { backend, fake } = renderChatApp({ billing: { initial: { used: 25_000 } } });
    await screen.findByTestId('composer-out-of-tokens');
    backend.billing.set({ credits: 10_000 });
    await waitFor(() => expect(screen.queryByTestId('composer-out-of-tokens')).toBeNull());
    fake.script('Welcome back.');
    await sendText('Hello again');
    await waitFor(() => expect(fake.calls.sendMessage).toBe(1));
  });
});
