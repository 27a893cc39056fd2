// The quota's display rules, as pure functions: the used fraction, the 80 %
// warning boundary, "exhausted" only when credits are gone too, the
// countdown's wording and how often it is redrawn, Free's weekly and Pro's
// monthly wording in English and French, prices from Stripe's minor units,
// and what counts as a purchase having landed.
import { describe, expect, it } from 'vitest';
import type { Quota } from './backend';
import {
  describeQuota,
  formatCountdown,
  formatPercent,
  formatPrice,
  isExhausted,
  isOnCredits,
  isWarning,
  nextTickMs,
  purchaseLanded,
  usedFraction,
} from './quota-view';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2025, 5, 12, 20, 0, 0);

/** Intl writes French with narrow and non-breaking spaces; tests read them as plain spaces. */
const plain = (text: string | null) => text?.replace(/[\u00a0\u202f]/g, ' ') ?? null;

function quota(patch: Partial<Quota> = {}): Quota {
  const base = {
    plan: 'free' as const,
    period_key: '2025-W24',
    period_ends_at: new Date(NOW + 3 * DAY + 4 * HOUR + 5 * MINUTE).toISOString(),
    allowance: 25_000,
    used: 0,
    credits: 0,
  };
  const merged = { ...base, ...patch };
  const remaining =
    patch.remaining !== undefined
      ? patch.remaining
      : Math.max(0, (merged.allowance ?? 0) - (merged.used ?? 0)) + (merged.credits ?? 0);
  return { ...merged, remaining };
}

describe('used fraction and states', () => {
  it('is the share of the allowance used, clamped to 1, credits aside', () => {
    expect(usedFraction(quota({ used: 0 }))).toBe(0);
    expect(usedFraction(quota({ used: 12_500 }))).toBe(0.5);
    expect(usedFraction(quota({ used: 25_000, credits: 10_000 }))).toBe(1);
    // The server may count a little past the allowance; the bar stops full.
    expect(usedFraction(quota({ used: 26_000, remaining: 0 }))).toBe(1);
    expect(usedFraction(quota({ allowance: 0, used: 0 }))).toBe(0);
    expect(usedFraction(quota({ allowance: 0, used: 5, remaining: 0 }))).toBe(1);
  });

  it('warns from exactly 80 % of the allowance used, not a token before', () => {
    expect(isWarning(quota({ used: 19_999 }))).toBe(false);
    expect(isWarning(quota({ used: 20_000 }))).toBe(true);
    expect(isWarning(quota({ used: 24_999 }))).toBe(true);
    // Pro's allowance counts the same way.
    expect(isWarning(quota({ plan: 'pro', allowance: 2_000_000, used: 1_599_999 }))).toBe(false);
    expect(isWarning(quota({ plan: 'pro', allowance: 2_000_000, used: 1_600_000 }))).toBe(true);
  });

  it('is exhausted only when nothing is left, credits included', () => {
    expect(isExhausted(quota({ used: 25_000 }))).toBe(true);
    expect(isExhausted(quota({ used: 25_000, credits: 1 }))).toBe(false);
    expect(isOnCredits(quota({ used: 25_000, credits: 1 }))).toBe(true);
    expect(isOnCredits(quota({ used: 24_000, credits: 1 }))).toBe(false);
    // Exhausted is not also a warning: the meter has one tone at a time.
    expect(isWarning(quota({ used: 25_000 }))).toBe(false);
    expect(isWarning(quota({ used: 25_000, credits: 100 }))).toBe(true);
  });

  it('trusts the server’s remaining figure', () => {
    expect(isExhausted(quota({ used: 10, remaining: 0 }))).toBe(true);
    expect(isExhausted(quota({ used: 25_000, credits: 10, remaining: 10 }))).toBe(false);
  });
});

describe('countdown', () => {
  it('shows the two largest units, dropping a zero second one', () => {
    expect(formatCountdown('en', 3 * DAY + 4 * HOUR + 59 * MINUTE)).toBe('3 d 4 h');
    expect(formatCountdown('en', 2 * DAY)).toBe('2 d');
    expect(formatCountdown('en', 5 * HOUR + 12 * MINUTE + 40 * SECOND)).toBe('5 h 12 min');
    expect(formatCountdown('en', 12 * MINUTE + 5 * SECOND)).toBe('12 min 5 s');
    expect(formatCountdown('en', 42 * SECOND + 900)).toBe('42 s');
    expect(formatCountdown('en', 300)).toBe('1 s');
  });

  it('is written the French way', () => {
    expect(formatCountdown('fr', 3 * DAY + 4 * HOUR)).toBe('3 j 4 h');
    expect(formatCountdown('fr', 12 * MINUTE + 5 * SECOND)).toBe('12 min 5 s');
  });

  it('is null once the time is up', () => {
    expect(formatCountdown('en', 0)).toBeNull();
    expect(formatCountdown('en', -5 * MINUTE)).toBeNull();
    expect(formatCountdown('en', Number.NaN)).toBeNull();
  });

  it('ticks when the text changes: each minute, each second within the last hour', () => {
    expect(nextTickMs(3 * DAY + 30 * SECOND)).toBe(30 * SECOND);
    expect(nextTickMs(3 * DAY)).toBe(MINUTE);
    expect(nextTickMs(HOUR + 10 * SECOND)).toBe(10 * SECOND);
    expect(nextTickMs(HOUR)).toBe(SECOND);
    expect(nextTickMs(12 * MINUTE + 250)).toBe(250);
    expect(nextTickMs(0)).toBeNull();
    expect(nextTickMs(-1)).toBeNull();
  });
});

describe('describeQuota', () => {
  it('says Free counts by week, in English', () => {
    const summary = describeQuota(quota({ used: 12_345 }), 'en', NOW);
    expect(summary.period).toBe('week');
    expect(summary.usageText).toBe('12,345 / 25,000 tokens this week');
    expect(summary.creditsText).toBeNull();
    expect(summary.resetText).toBe('Resets in 3 d 4 h');
    expect(summary.statusText).toBeNull();
    expect(summary.meterLabel).toBe('Tokens used this week');
    expect(summary.valueText).toBe('12,345 / 25,000 tokens this week (49% of your tokens used)');
  });

  it('says Pro counts by month, with its credits, in French', () => {
    const pro = quota({ plan: 'pro', period_key: '2025-06', allowance: 2_000_000, used: 1_700_000, credits: 250_000 });
    const summary = describeQuota(pro, 'fr', NOW);
    expect(summary.period).toBe('month');
    expect(plain(summary.usageText)).toBe('1 700 000 / 2 000 000 jetons ce mois-ci');
    expect(plain(summary.creditsText)).toBe('+250 000 crédits');
    expect(summary.resetText).toBe('Renouvellement dans 3 j 4 h');
    expect(plain(summary.statusText)).toBe('Vous avez utilisé 85 % de vos jetons du mois.');
    expect(summary.meterLabel).toBe('Jetons utilisés ce mois-ci');
  });

  it('uses the singular where the locale does', () => {
    expect(describeQuota(quota({ credits: 1 }), 'en', NOW).creditsText).toBe('+1 credit');
    expect(describeQuota(quota({ credits: 2 }), 'en', NOW).creditsText).toBe('+2 credits');
    expect(describeQuota(quota({ credits: 1 }), 'fr', NOW).creditsText).toBe('+1 crédit');
  });

  it('explains the warning, the credits being spent, and the end of the tokens', () => {
    expect(describeQuota(quota({ used: 20_000 }), 'en', NOW).statusText).toBe("You've used 80% of this week's tokens.");
    expect(describeQuota(quota({ used: 25_000, credits: 5 }), 'en', NOW).statusText).toBe(
      "Your plan's tokens are used up: your credits are being spent.",
    );
    const out = describeQuota(quota({ used: 25_000 }), 'en', NOW);
    expect(out.exhausted).toBe(true);
    expect(out.warning).toBe(false);
    expect(out.statusText).toBe("You've used all your tokens.");
  });

  it('says the reset is under way once its time has passed, and nothing when the date is unreadable', () => {
    const ended = quota({ period_ends_at: new Date(NOW - SECOND).toISOString() });
    expect(describeQuota(ended, 'en', NOW).resetText).toBe('Resetting now…');
    expect(describeQuota(quota({ period_ends_at: 'soon' }), 'en', NOW).resetText).toBeNull();
  });

  it('reads negative figures as zero rather than drawing them', () => {
    const summary = describeQuota(quota({ allowance: 0, used: -5, credits: -1, remaining: 0 }), 'en', NOW);
    expect(summary.usageText).toBe('0 / 0 tokens this week');
    expect(summary.exhausted).toBe(true);
  });
});

describe('percentages and prices', () => {
  it('rounds percentages down, so 79.96 % never reads 80 %', () => {
    expect(formatPercent('en', 0.7996)).toBe('79%');
    expect(formatPercent('en', 0.8)).toBe('80%');
    expect(plain(formatPercent('fr', 0.8))).toBe('80 %');
  });

  it('formats Stripe minor units in the locale, dropping decimals only for whole amounts', () => {
    expect(formatPrice('en', { amountMinor: 1500, currency: 'usd' })).toBe('$15');
    expect(formatPrice('en', { amountMinor: 499, currency: 'usd' })).toBe('$4.99');
    expect(plain(formatPrice('fr', { amountMinor: 1500, currency: 'usd' }))).toBe('15 $US');
    expect(plain(formatPrice('fr', { amountMinor: 1299, currency: 'eur' }))).toBe('12,99 €');
    // The yen has no minor unit: 1500 is ¥1,500.
    expect(formatPrice('en', { amountMinor: 1500, currency: 'jpy' })).toBe('¥1,500');
  });

  it('has no price to show without an amount, and copes with an unknown currency', () => {
    expect(formatPrice('en', { amountMinor: -1, currency: 'usd' })).toBeNull();
    expect(formatPrice('en', { amountMinor: 1500, currency: 'not-a-currency' })).toBe('15 NOT-A-CURRENCY');
  });
});

describe('purchaseLanded', () => {
  it('sees an upgrade to Pro', () => {
    expect(purchaseLanded(quota(), quota({ plan: 'pro', allowance: 2_000_000 }))).toEqual({ kind: 'pro' });
  });

  it('sees credits that grew, by how much', () => {
    expect(purchaseLanded(quota({ credits: 100 }), quota({ credits: 250_100 }))).toEqual({ kind: 'credits', added: 250_000 });
  });

  it('does not mistake spending or a new period for a purchase', () => {
    expect(purchaseLanded(quota({ used: 10 }), quota({ used: 500 }))).toBeNull();
    expect(purchaseLanded(quota({ credits: 500 }), quota({ credits: 100 }))).toBeNull();
    expect(purchaseLanded(quota({ used: 25_000 }), quota({ used: 0, period_key: '2025-W25' }))).toBeNull();
    const pro = quota({ plan: 'pro', allowance: 2_000_000 });
    expect(purchaseLanded(pro, { ...pro, used: 9 })).toBeNull();
  });
});
