// The billing half of the fake Backend, for Vitest and `npm run dev` in a
// plain browser. It acts like native-app: each signed-in user has a quota
// (plan, tokens used this period, non-expiring credits) that `quota()`
// reads, the plans on offer have prices and may be unavailable, and
// `openCheckout` only records the product, as the real one only opens a
// browser. A purchase lands later, when a test calls `completePurchase`
// (or by itself after `purchaseAutoCompleteMs` in `npm run dev`), exactly
// as a Stripe webhook would: the quota changes and `quotaChanged` fires.
// The fake chat spends tokens through `spend` after each reply, so the
// sidebar's meter moves. Test helpers are the public non-Backend methods.
import type { ErrorBody, ErrorCode, Outcome, Plan, Plans, Product, Quota } from './backend';

export type BillingCall = 'quota' | 'plans' | 'openCheckout';

/** One user's standing; the fake's storage shape, not a wire type. */
export interface FakeAccountQuota {
  plan: Plan;
  used: number;
  credits: number;
}

export interface FakeBillingOptions {
  /** What a user's quota starts as the first time they are seen. */
  initial?: Partial<FakeAccountQuota>;
  /** The plans on offer; missing fields take the defaults below. */
  plans?: Partial<Plans>;
  /** A fixed end of the period (RFC 3339); computed from the clock otherwise. */
  periodEndsAt?: string;
  /** Completes each checkout by itself after this many ms (for `npm run dev`). */
  purchaseAutoCompleteMs?: number | null;
  now?: () => Date;
}

export const FAKE_PLANS: Plans = {
  freeWeekly: 25_000,
  proMonthly: 2_000_000,
  packTokens: 250_000,
  pro: { price: { amountMinor: 1500, currency: 'usd' }, available: true },
  topUp: { price: { amountMinor: 500, currency: 'usd' }, available: true },
};

const DAY = 86_400_000;

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function fail<T>(code: ErrorCode): Outcome<T> {
  return { status: 'error', error: { code, message: `fake ${code}` } };
}

/** The ISO week of `now` (UTC): its key and the Monday that ends it. */
function isoWeek(now: Date): { key: string; endsAt: Date } {
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const weekday = (day.getUTCDay() + 6) % 7;
  const monday = new Date(day.getTime() - weekday * DAY);
  const thursday = new Date(monday.getTime() + 3 * DAY);
  const yearStart = Date.UTC(thursday.getUTCFullYear(), 0, 1);
  const week = Math.floor((thursday.getTime() - yearStart) / DAY / 7) + 1;
  return {
    key: `${thursday.getUTCFullYear()}-W${String(week).padStart(2, '0')}`,
    endsAt: new Date(monday.getTime() + 7 * DAY),
  };
}

/** The calendar month of `now` (UTC): its key and the first day of the next one. */
function calendarMonth(now: Date): { key: string; endsAt: Date } {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  return {
    key: `${year}-${String(month + 1).padStart(2, '0')}`,
    endsAt: new Date(Date.UTC(year, month + 1, 1)),
  };
}

export class FakeBilling {
  plans: Plans;
  initial: FakeAccountQuota;
  periodEndsAt: string | null;
  purchaseAutoCompleteMs: number | null;
  /** The server cannot be reached: `quota` and `plans` fail with `offline`. */
  offline = false;
  /** Every product a checkout was opened for, in order. */
  checkouts: Product[] = [];
  /** The next call of that name fails with this error (then it is cleared). */
  failNext: Partial<Record<BillingCall, ErrorBody>> = {};
  calls: Record<BillingCall, number> = { quota: 0, plans: 0, openCheckout: 0 };
  #user: string | null = null;
  #accounts = new Map<string, FakeAccountQuota>();
  /** The last quota told to listeners, so an unchanged read stays quiet. */
  #told: string | null = null;
  #listeners = new Set<(quota: Quota) => void>();
  #timers: ReturnType<typeof setTimeout>[] = [];
  #delay: () => Promise<void>;
  #now: () => Date;

  constructor(options: FakeBillingOptions = {}, delay: () => Promise<void> = () => Promise.resolve()) {
    this.plans = clone({ ...FAKE_PLANS, ...options.plans });
    this.initial = { plan: 'free', used: 0, credits: 0, ...options.initial };
    this.periodEndsAt = options.periodEndsAt ?? null;
    this.purchaseAutoCompleteMs = options.purchaseAutoCompleteMs ?? null;
    this.#now = options.now ?? (() => new Date());
    this.#delay = delay;
  }

  // ---- Backend calls -------------------------------------------------------

  async quota(): Promise<Outcome<Quota>> {
    const failed = await this.#begin<Quota>('quota');
    if (failed) return failed;
    const quota = this.current()!;
    // Like native-app, a read that brings something new is broadcast too.
    this.#tell(quota);
    return { status: 'ok', data: quota };
  }

  /** `plans()` of the Backend (the name `plans` is the data it answers). */
  async readPlans(): Promise<Outcome<Plans>> {
    const failed = await this.#begin<Plans>('plans');
    if (failed) return failed;
    return { status: 'ok', data: clone(this.plans) };
  }

  async openCheckout(product: Product): Promise<Outcome<null>> {
    this.calls.openCheckout += 1;
    await this.#delay();
    const forced = this.#forced<null>('openCheckout');
    if (forced) return forced;
    if (this.#user === null) return fail('unauthorized');
    const offer = product === 'pro' ? this.plans.pro : this.plans.topUp;
    if (!offer.available) return fail('not_configured');
    this.checkouts.push(product);
    if (this.purchaseAutoCompleteMs !== null) {
      const user = this.#user;
      this.#timers.push(setTimeout(() => this.completePurchase(product, user), this.purchaseAutoCompleteMs));
    }
    return { status: 'ok', data: null };
  }

  onQuotaChanged(listener: (quota: Quota) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  // ---- Test helpers --------------------------------------------------------

  /** Follows the session (called by the FakeBackend on every auth change). */
  setUser(user: string | null): void {
    if (user === this.#user) return;
    this.#user = user;
    this.#told = null;
  }

  get user(): string | null {
    return this.#user;
  }

  /** A user's standing (the signed-in one by default), created from `initial` when first seen. */
  account(user: string | null = this.#user): FakeAccountQuota | null {
    if (user === null) return null;
    let account = this.#accounts.get(user);
    if (!account) {
      account = { ...this.initial };
      this.#accounts.set(user, account);
    }
    return account;
  }

  /** Changes a user's standing; the signed-in user's listeners hear of it. */
  set(patch: Partial<FakeAccountQuota>, user: string | null = this.#user): void {
    const account = this.account(user);
    if (!account) return;
    Object.assign(account, patch);
    if (user === this.#user) this.#tell(this.current()!);
  }

  /** The signed-in user's quota as `quota()` would answer it, or null when signed out. */
  current(): Quota | null {
    const account = this.account();
    if (!account) return null;
    const allowance = (account.plan === 'pro' ? this.plans.proMonthly : this.plans.freeWeekly) ?? 0;
    const period = account.plan === 'pro' ? calendarMonth(this.#now()) : isoWeek(this.#now());
    return {
      plan: account.plan,
      period_key: period.key,
      period_ends_at: this.periodEndsAt ?? period.endsAt.toISOString(),
      allowance,
      used: account.used,
      credits: account.credits,
      remaining: Math.max(0, allowance - account.used) + Math.max(0, account.credits),
    };
  }

  /** True when the signed-in user has nothing left to spend. */
  get exhausted(): boolean {
    return this.current()?.remaining === 0;
  }

  /** What a reply costs: the period's allowance first, then the credits. */
  spend(tokens: number): void {
    const account = this.account();
    const quota = this.current();
    if (!account || !quota || tokens <= 0) return;
    const fromAllowance = Math.min(tokens, Math.max(0, (quota.allowance ?? 0) - account.used));
    account.used += fromAllowance;
    account.credits = Math.max(0, account.credits - (tokens - fromAllowance));
    this.#tell(this.current()!);
  }

  /**
   * What the payment webhook does once Stripe has been paid: Pro starts a
   * fresh month, a Token Pack adds its credits.
   */
  completePurchase(product: Product, user: string | null = this.#user): void {
    const account = this.account(user);
    if (!account) return;
    if (product === 'pro') {
      account.plan = 'pro';
      account.used = 0;
    } else {
      account.credits += this.plans.packTokens ?? 0;
    }
    if (user === this.#user) this.#tell(this.current()!);
  }

  /** Sends the signed-in user's quota to the listeners, changed or not. */
  emit(): void {
    const quota = this.current();
    if (!quota) return;
    this.#told = JSON.stringify(quota);
    for (const listener of [...this.#listeners]) listener(quota);
  }

  /** Drops the auto-completing purchases still waiting. */
  dispose(): void {
    for (const timer of this.#timers.splice(0)) clearTimeout(timer);
  }

  // ---- Internals -----------------------------------------------------------

  async #begin<T>(call: BillingCall): Promise<Outcome<T> | null> {
    this.calls[call] += 1;
    await this.#delay();
    const forced = this.#forced<T>(call);
    if (forced) return forced;
    if (this.#user === null) return fail('unauthorized');
    return this.offline ? fail('offline') : null;
  }

  #forced<T>(call: BillingCall): Outcome<T> | null {
    const forced = this.failNext[call];
    if (!forced) return null;
    delete this.failNext[call];
    return { status: 'error', error: { ...forced } };
  }

  #tell(quota: Quota): void {
    if (JSON.stringify(quota) === this.#told) return;
    this.emit();
  }
}
