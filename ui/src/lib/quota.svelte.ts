// The signed-in user's token quota and purchases, as the UI sees them.
// Told who is signed in (`setUser`), it reads the quota, then follows every
// `quotaChanged` (the back end sends one after each reply), and keeps a
// clock for the countdown to the reset: once a minute, once a second in
// the last hour. It owns the plans dialog (open from the meter, the
// composer or a `quota_exceeded` reply) and the purchase flow: a checkout
// opens in the system browser, so nothing tells the app when the payment
// is done; the model polls `quota()` with a backoff (5 s, 10 s, 20 s,
// 30 s, then every minute, for at most 10 minutes, and at once when the
// window regains focus) until the plan or the credits change. Closing the
// dialog stops the polling. The display math lives in quota-view.ts.
import type { Backend, ErrorBody, Plans, Product, Quota } from './backend';
import { guard } from './errors';
import { isExhausted, isWarning, nextTickMs, purchaseLanded, resetInstant, usedFraction, type Landed } from './quota-view';

/** The waits between two polls after a checkout; the last one repeats. */
export const POLL_DELAYS_MS: readonly number[] = [5_000, 10_000, 20_000, 30_000, 60_000];
/** How long after a checkout the polling gives up. */
export const POLL_LIMIT_MS = 10 * 60_000;

export type PlansState =
  | { kind: 'idle' }
  | { kind: 'loading' }
  | { kind: 'ready'; plans: Plans }
  | { kind: 'failed'; error: ErrorBody };

/** Where a purchase stands, from the click on Buy to the quota that shows it. */
export type CheckoutState =
  | { kind: 'idle' }
  | { kind: 'opening'; product: Product }
  | { kind: 'waiting'; product: Product }
  | { kind: 'confirmed'; product: Product; landed: Landed }
  | { kind: 'timedOut'; product: Product }
  | { kind: 'failed'; product: Product; error: ErrorBody };

/** Why the plans dialog is open: the user asked, or the tokens ran out. */
export type PlansReason = 'user' | 'exhausted';

export interface QuotaModelOptions {
  pollDelaysMs?: readonly number[];
  pollLimitMs?: number;
  /** The clock, in ms since the epoch (tests pin it). */
  now?: () => number;
  /** What fires `focus` when the app's window comes back to the front; `window` by default. */
  focusTarget?: EventTarget | null;
}

interface Poll {
  startedAt: number;
  /** Timer polls done so far: picks the next wait in the backoff. */
  attempt: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  inFlight: boolean;
}


export class QuotaModel {
  readonly backend: Backend;
  user = $state<string | null>(null);
  /** The last quota known; kept while offline, so the meter shows the last figures. */
  quota = $state.raw<Quota | null>(null);
  /** The first read for this user is under way. */
  loading = $state(false);
  offline = $state(false);
  /** The clock the countdown reads, in ms since the epoch. */
  now = $state(0);
  plans = $state.raw<PlansState>({ kind: 'idle' });
  plansOpen = $state(false);
  plansReason = $state<PlansReason>('user');
  checkout = $state.raw<CheckoutState>({ kind: 'idle' });
  /** True while polling for a purchase to land. */
  polling = $state(false);
  /** What gets focus back when the dialog closes (WebKit does not focus a clicked button). */
  plansReturnFocus: (() => HTMLElement | null | undefined) | undefined = undefined;
  readonly #delays: readonly number[];
  readonly #limit: number;
  readonly #clock: () => number;
  readonly #focusTarget: EventTarget | null;
  #poll: Poll | null = null;
  /** The quota a purchase is compared with; follows the spending while waiting. */
  #baseline: Quota | null = null;
  #tick: ReturnType<typeof setTimeout> | undefined;
  /** The period already re-read when its countdown ended, so that happens once. */
  #rolledOver: string | null = null;
  #unsubscribe: (() => void) | null = null;

  constructor(backend: Backend, options: QuotaModelOptions = {}) {
    this.backend = backend;
    this.#delays = options.pollDelaysMs ?? POLL_DELAYS_MS;
    this.#limit = options.pollLimitMs ?? POLL_LIMIT_MS;
    this.#clock = options.now ?? (() => Date.now());
    this.#focusTarget = options.focusTarget !== undefined ? options.focusTarget : typeof window === 'undefined' ? null : window;
    this.now = this.#clock();
  }

  /** The share of the allowance used (0 to 1); 0 while unknown. */
  get fraction(): number {
    return this.quota ? usedFraction(this.quota) : 0;
  }

  get warning(): boolean {
    return this.quota !== null && isWarning(this.quota);
  }

  /** Nothing left, credits included. False while the quota is unknown: the gateway decides then. */
  get exhausted(): boolean {
    return this.quota !== null && isExhausted(this.quota);
  }

  /** When the period ends (ms since the epoch), or null. */
  get resetAt(): number | null {
    return this.quota ? resetInstant(this.quota) : null;
  }

  /** The time left until the reset, as of the model's clock. */
  get msLeft(): number | null {
    const at = this.resetAt;
    return at === null ? null : at - this.now;
  }

  /** Subscribes to `quotaChanged`. Call `setUser` for the session. */
  start(): void {
    if (this.#unsubscribe) return;
    this.#unsubscribe = this.backend.onQuotaChanged((quota) => {
      // A late event from a session that has ended says nothing about this one.
      if (this.user !== null) this.#apply(quota);
    });
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#stopPolling();
    clearTimeout(this.#tick);
  }

  /** Follows the session: reads the new user's quota; signing out forgets everything. */
  setUser(user: string | null): void {
    if (user === this.user) return;
    this.user = user;
    this.#stopPolling();
    clearTimeout(this.#tick);
    this.quota = null;
    this.plans = { kind: 'idle' };
    this.plansOpen = false;
    this.checkout = { kind: 'idle' };
    this.#baseline = null;
    this.#rolledOver = null;
    this.loading = false;
    if (user !== null) void this.refresh();
  }

  /** Sending is paused offline; coming back re-reads the quota, which may have moved meanwhile. */
  setOffline(offline: boolean): void {
    if (offline === this.offline) return;
    this.offline = offline;
    if (!offline && this.user !== null) void this.refresh();
  }

  /** Re-reads the quota. A failure keeps the last figures: the meter never shows an error. */
  async refresh(): Promise<void> {
    const user = this.user;
    if (user === null) return;
    if (this.quota === null) this.loading = true;
    const result = await guard(() => this.backend.quota());
    if (user !== this.user) return;
    this.loading = false;
    if (result.status === 'ok') this.#apply(result.data);
  }

  /** Opens the plans dialog, reading the offers and the quota afresh. */
  openPlans(reason: PlansReason = 'user', returnFocus?: () => HTMLElement | null | undefined): void {
    this.plansReason = reason;
    if (this.plansOpen) return;
    this.plansReturnFocus = returnFocus;
    this.plansOpen = true;
    this.checkout = { kind: 'idle' };
    void this.loadPlans();
    void this.refresh();
  }

  /** Closes the dialog; a purchase still waiting is no longer polled for (the meter still hears of it). */
  closePlans(): void {
    this.plansOpen = false;
    this.#stopPolling();
    this.checkout = { kind: 'idle' };
  }

  async loadPlans(): Promise<void> {
    const user = this.user;
    if (user === null) return;
    // Offers already shown stay while they are read again.
    if (this.plans.kind !== 'ready') this.plans = { kind: 'loading' };
    const result = await guard(() => this.backend.plans());
    if (user !== this.user) return;
    if (result.status === 'ok') this.plans = { kind: 'ready', plans: result.data };
    else if (this.plans.kind !== 'ready') this.plans = { kind: 'failed', error: result.error };
  }

  /** Opens the product's checkout in the browser, then waits for the purchase to show in the quota. */
  async buy(product: Product): Promise<void> {
    const user = this.user;
    if (user === null || this.checkout.kind === 'opening') return;
    // The dialog disables an offer this installation cannot sell; a stray click still does nothing.
    const offers = this.plans.kind === 'ready' ? this.plans.plans : null;
    if (offers && !(product === 'pro' ? offers.pro : offers.topUp).available) return;
    this.#stopPolling();
    this.checkout = { kind: 'opening', product };
    const result = await guard(() => this.backend.openCheckout(product));
    // Closed (or signed out) while the browser was opening: nothing to wait for here.
    if (user !== this.user || !this.plansOpen) return;
    if (result.status === 'error') {
      this.checkout = { kind: 'failed', product, error: result.error };
      return;
    }
    this.checkout = { kind: 'waiting', product };
    this.#startPolling();
  }

  // ---- Internals -----------------------------------------------------------

  #apply(quota: Quota): void {
    this.quota = quota;
    if (this.checkout.kind === 'waiting') {
      const landed = this.#baseline ? purchaseLanded(this.#baseline, quota) : null;
      if (landed) {
        this.#stopPolling();
        this.checkout = { kind: 'confirmed', product: this.checkout.product, landed };
      } else {
        // Replies spend credits meanwhile: compare the next quota with this one.
        this.#baseline = quota;
      }
    }
    this.#scheduleTick();
  }

  #scheduleTick(): void {
    clearTimeout(this.#tick);
    this.now = this.#clock();
    const quota = this.quota;
    const left = this.msLeft;
    if (this.user === null || quota === null || left === null) return;
    const delay = nextTickMs(left);
    if (delay !== null) {
      this.#tick = setTimeout(() => this.#scheduleTick(), delay);
    } else if (this.#rolledOver !== quota.period_key) {
      // The period is over: the server has a new one (and a fresh allowance).
      this.#rolledOver = quota.period_key;
      void this.refresh();
    }
  }

  #startPolling(): void {
    this.#stopPolling();
    // Unknown before the purchase: the first quota read becomes the baseline.
    this.#baseline = this.quota;
    this.#poll = { startedAt: this.#clock(), attempt: 0, timer: undefined, inFlight: false };
    this.polling = true;
    this.#focusTarget?.addEventListener('focus', this.#onFocus);
    this.#schedule();
  }

  #stopPolling(): void {
    const poll = this.#poll;
    if (!poll) return;
    clearTimeout(poll.timer);
    this.#focusTarget?.removeEventListener('focus', this.#onFocus);
    this.#poll = null;
    this.polling = false;
  }

  /** Sets the next poll: the backoff's next wait, cut short by the time limit. */
  #schedule(): void {
    const poll = this.#poll;
    if (!poll) return;
    clearTimeout(poll.timer);
    const left = poll.startedAt + this.#limit - this.#clock();
    if (left <= 0) {
      this.#stopPolling();
      if (this.checkout.kind === 'waiting') this.checkout = { kind: 'timedOut', product: this.checkout.product };
      return;
    }
    const wait = this.#delays[Math.min(poll.attempt, this.#delays.length - 1)] ?? 60_000;
    poll.timer = setTimeout(() => void this.#pollNow(true), Math.min(wait, left));
  }

  /** The user came back from the browser: maybe they just paid. */
  #onFocus = (): void => {
    void this.#pollNow(false);
  };

  async #pollNow(fromTimer: boolean): Promise<void> {
    const poll = this.#poll;
    if (!poll || poll.inFlight) return;
    clearTimeout(poll.timer);
    poll.inFlight = true;
    if (fromTimer) poll.attempt += 1;
    const user = this.user;
    const result = await guard(() => this.backend.quota());
    poll.inFlight = false;
    if (user !== this.user) return;
    // A failure (offline, a server hiccup) is not shown: the next poll tries again.
    if (result.status === 'ok') this.#apply(result.data);
    if (this.#poll === poll) this.#schedule();
  }
}
