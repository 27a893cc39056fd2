// What the quota meter, the plans dialog and the composer show about a
// quota, as pure functions of the quota, the locale and the clock: the
// used fraction, the 80 % warning, whether nothing is left, the countdown
// to the reset and how often it must be redrawn, prices, and whether a
// purchase has landed. No state and no timers here, so every rule is
// tested on its own (quota-view.test.ts); QuotaModel and the components
// only call these.
import type { Plan, Price, Quota } from './backend';
import { formatCount, formatDateTime, pluralOf, translate, type Locale } from './i18n';

/** From this share of the allowance used on, the meter warns. */
export const WARNING_FRACTION = 0.8;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** How long a plan's allowance lasts: Free counts by ISO week, Pro by month. */
export type Period = 'week' | 'month';

export function periodOf(plan: Plan): Period {
  return plan === 'pro' ? 'month' : 'week';
}

/** A quota's numbers, never negative (a corrupt figure must not draw a bar backwards). */
export interface QuotaFigures {
  allowance: number;
  used: number;
  credits: number;
  remaining: number;
}

export function figures(quota: Quota): QuotaFigures {
  const allowance = Math.max(0, quota.allowance);
  const used = Math.max(0, quota.used);
  const credits = Math.max(0, quota.credits);
  const remaining = Math.max(0, quota.remaining);
  return { allowance, used, credits, remaining };
}

/** The share of the period's allowance used, from 0 to 1 (credits are not part of it). */
export function usedFraction(quota: Quota): number {
  const { allowance, used } = figures(quota);
  if (allowance === 0) return used > 0 ? 1 : 0;
  return Math.min(1, used / allowance);
}

/** Nothing left to spend: neither allowance nor credits. */
export function isExhausted(quota: Quota): boolean {
  return figures(quota).remaining === 0;
}

/** At least 80 % of the allowance used, with something still left. */
export function isWarning(quota: Quota): boolean {
  return !isExhausted(quota) && usedFraction(quota) >= WARNING_FRACTION;
}

/** The allowance is spent and credits pay for the replies now. */
export function isOnCredits(quota: Quota): boolean {
  const { allowance, used, credits } = figures(quota);
  return used >= allowance && credits > 0;
}

/** When the period ends, in ms since the epoch; null if the server's text cannot be read. */
export function resetInstant(quota: Quota): number | null {
  const time = Date.parse(quota.period_ends_at);
  return Number.isNaN(time) ? null : time;
}

/**
 * A time left as its two largest units ("3 d 4 h", "12 min 5 s"), a zero
 * second unit left out ("3 d"). Null once the time is up.
 */
export function formatCountdown(to: Locale, ms: number): string | null {
  if (!(ms > 0)) return null;
  const part = (key: 'quota.unit.d' | 'quota.unit.h' | 'quota.unit.min' | 'quota.unit.s', n: number) =>
    translate(to, key, { n: formatCount(to, n) });
  const pair = (first: string, second: string, secondValue: number) =>
    secondValue === 0 ? first : `${first} ${second}`;
  if (ms >= DAY) {
    const hours = Math.floor((ms % DAY) / HOUR);
    return pair(part('quota.unit.d', Math.floor(ms / DAY)), part('quota.unit.h', hours), hours);
  }
  if (ms >= HOUR) {
    const minutes = Math.floor((ms % HOUR) / MINUTE);
    return pair(part('quota.unit.h', Math.floor(ms / HOUR)), part('quota.unit.min', minutes), minutes);
  }
  if (ms >= MINUTE) {
    const seconds = Math.floor((ms % MINUTE) / SECOND);
    return pair(part('quota.unit.min', Math.floor(ms / MINUTE)), part('quota.unit.s', seconds), seconds);
  }
  // Never "0 s" while some time is left.
  return part('quota.unit.s', Math.max(1, Math.floor(ms / SECOND)));
}

/**
 * How long until the countdown's text next changes: at the next whole
 * minute left, or, within the last hour (where seconds are shown), the next
 * whole second. Null once the time is up: there is nothing left to count.
 */
export function nextTickMs(ms: number): number | null {
  if (!(ms > 0)) return null;
  const unit = ms <= HOUR ? SECOND : MINUTE;
  return ms % unit || unit;
}

/** A share as the locale writes percentages (80%, 80 %), rounded down so 79.6 % never reads 80 %. */
export function formatPercent(to: Locale, fraction: number): string {
  const floored = Math.floor(Math.max(0, Math.min(1, fraction)) * 100) / 100;
  return new Intl.NumberFormat(to, { style: 'percent', maximumFractionDigits: 0 }).format(floored);
}

/**
 * A price in the locale's currency style ($15, 15 $US, $4.99), from Stripe's
 * minor units: the currency says how many decimals it has (none for yen).
 * Whole amounts drop their decimals. Null when the amount is unknown.
 */
export function formatPrice(to: Locale, price: Price): string | null {
  const minor = price.amountMinor;
  if (!Number.isFinite(minor) || minor < 0) return null;
  const currency = price.currency.toUpperCase();
  try {
    const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    const scale = 10 ** digits;
    const whole = minor % scale === 0;
    return new Intl.NumberFormat(to, {
      style: 'currency',
      currency,
      minimumFractionDigits: whole ? 0 : digits,
      maximumFractionDigits: whole ? 0 : digits,
    }).format(minor / scale);
  } catch {
    // Not an ISO 4217 code Intl knows: still say something true.
    return `${formatCount(to, minor / 100)} ${currency}`;
  }
}

/** What a purchase brought, told by comparing quotas. */
export type Landed = { kind: 'pro' } | { kind: 'credits'; added: number };

/**
 * Whether a purchase shows between two quotas of the same user: the plan
 * became Pro, or the credits grew (replies only ever lower them, so growth
 * is a Token Pack). Null when nothing was bought in between.
 */
export function purchaseLanded(before: Quota, after: Quota): Landed | null {
  if (before.plan !== 'pro' && after.plan === 'pro') return { kind: 'pro' };
  const added = figures(after).credits - figures(before).credits;
  return added > 0 ? { kind: 'credits', added } : null;
}

/** Everything the meter shows for a quota at an instant, translated. */
export interface QuotaSummary {
  plan: Plan;
  period: Period;
  figures: QuotaFigures;
  fraction: number;
  warning: boolean;
  exhausted: boolean;
  onCredits: boolean;
  /** "12,345 / 25,000 tokens this week". */
  usageText: string;
  /** "+250,000 credits", or null without credits. */
  creditsText: string | null;
  /** "Resets in 3 d 4 h"; null if the period's end cannot be read. */
  resetText: string | null;
  /** The reset as a date and time, for a tooltip. */
  resetAtText: string | null;
  /** Why the meter is coloured (warning, on credits, exhausted), or null. */
  statusText: string | null;
  /** The meter's accessible name and value. */
  meterLabel: string;
  valueText: string;
}

export function describeQuota(quota: Quota, to: Locale, now: number): QuotaSummary {
  const plan = quota.plan;
  const period = periodOf(plan);
  const numbers = figures(quota);
  const fraction = usedFraction(quota);
  const exhausted = isExhausted(quota);
  const warning = isWarning(quota);
  const onCredits = isOnCredits(quota);
  const plural = pluralOf(to, numbers.allowance);
  const usageKey = period === 'week' ? (`quota.usage.week.${plural}` as const) : (`quota.usage.month.${plural}` as const);
  const usageText = translate(to, usageKey, {
    used: formatCount(to, numbers.used),
    allowance: formatCount(to, numbers.allowance),
  });
  const creditsText =
    numbers.credits > 0
      ? translate(to, pluralOf(to, numbers.credits) === 'one' ? 'quota.credits.one' : 'quota.credits.other', {
          count: formatCount(to, numbers.credits),
        })
      : null;
  const resetAt = resetInstant(quota);
  let resetText: string | null = null;
  if (resetAt !== null) {
    const left = formatCountdown(to, resetAt - now);
    resetText = left === null ? translate(to, 'quota.resetsNow') : translate(to, 'quota.resetsIn', { time: left });
  }
  const percent = formatPercent(to, fraction);
  let statusText: string | null = null;
  if (exhausted) statusText = translate(to, 'quota.exhausted');
  else if (onCredits) statusText = translate(to, 'quota.onCredits');
  else if (warning) statusText = translate(to, period === 'week' ? 'quota.warning.week' : 'quota.warning.month', { percent });
  return {
    plan,
    period,
    figures: numbers,
    fraction,
    warning,
    exhausted,
    onCredits,
    usageText,
    creditsText,
    resetText,
    resetAtText: resetAt === null ? null : translate(to, 'quota.resetsAt', { time: formatDateTime(to, quota.period_ends_at) }),
    statusText,
    meterLabel: translate(to, period === 'week' ? 'quota.meterLabel.week' : 'quota.meterLabel.month'),
    valueText: `${usageText} (${translate(to, 'quota.valueText', { percent })})`,
  };
}
