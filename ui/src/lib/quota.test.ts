// The QuotaModel over the in-memory fake: it reads the quota on sign-in,
// follows quotaChanged, forgets everything on sign-out, keeps the
// countdown's clock, and after a checkout polls quota() with its backoff
// (5 s, 10 s, 20 s, 30 s, then each minute) for at most ten minutes, at
// once on window focus, until the plan or the credits change. Closing the
// plans dialog stops the polling; a failed poll is retried, never shown.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeBackend } from './backend-fake';
import { QuotaModel } from './quota.svelte';
import type { FakeBillingOptions } from './fake-billing';

const ADA_ID = '00000000-0000-4000-8000-00000000000a';
const START = Date.UTC(2025, 5, 12, 8, 0, 0);
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

function setup(billing: FakeBillingOptions = {}) {
  const backend = new FakeBackend({
    auth: { initial: { status: 'signedIn', user: { id: ADA_ID, email: 'ada@example.com' }, offline: false, persistence: 'keychain' } },
    billing: { periodEndsAt: new Date(START + 3 * DAY + 4 * HOUR).toISOString(), ...billing },
  });
  const focus = new EventTarget();
  const model = new QuotaModel(backend, { focusTarget: focus });
  model.start();
  return { backend, fake: backend.billing, model, focus };
}

/** Signed in, quota read, plans dialog open and its offers loaded. */
async function withDialog(billing: FakeBillingOptions = {}) {
  const context = setup(billing);
  context.model.setUser(ADA_ID);
  context.model.openPlans();
  await settle();
  expect(context.model.plans.kind).toBe('ready');
  return context;
}

/** Lets pending promises settle under fake timers. */
async function settle() {
  await vi.advanceTimersByTimeAsync(0);
}

beforeEach(() => {
  vi.useFakeTimers({ now: START });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('following the session', () => {
  it('reads nothing until a user is set, then the quota', async () => {
    const { fake, model } = setup({ initial: { used: 12_345 } });
    await settle();
    expect(fake.calls.quota).toBe(0);
    expect(model.quota).toBeNull();

    model.setUser(ADA_ID);
    expect(model.loading).toBe(true);
    await settle();
    expect(model.loading).toBe(false);
    expect(model.quota).toMatchObject({ plan: 'free', allowance: 25_000, used: 12_345, remaining: 12_655 });
    expect(model.fraction).toBeCloseTo(0.4938, 3);
    expect(model.warning).toBe(false);
    expect(model.exhausted).toBe(false);
    expect(model.msLeft).toBe(3 * DAY + 4 * HOUR);
  });

  it('follows quotaChanged: a reply spends, the warning and the end of the tokens show', async () => {
    const { fake, model } = setup({ initial: { used: 19_000 } });
    model.setUser(ADA_ID);
    await settle();
    fake.spend(1_000);
    expect(model.quota?.used).toBe(20_000);
    expect(model.warning).toBe(true);
    fake.spend(5_000);
    expect(model.quota?.remaining).toBe(0);
    expect(model.exhausted).toBe(true);
    expect(model.warning).toBe(false);
    // Credits bought elsewhere (another device) make it usable again.
    fake.set({ credits: 1_000 });
    expect(model.exhausted).toBe(false);
  });

  it('forgets the quota, the dialog and any purchase on sign-out, and ignores late events', async () => {
    const { fake, model } = await withDialog({ initial: { used: 100 } });
    await model.buy('pro');
    expect(model.polling).toBe(true);

    model.setUser(null);
    expect(model.quota).toBeNull();
    expect(model.plansOpen).toBe(false);
    expect(model.plans.kind).toBe('idle');
    expect(model.checkout.kind).toBe('idle');
    expect(model.polling).toBe(false);
    fake.set({ used: 5_000 });
    expect(model.quota).toBeNull();
    const calls = fake.calls.quota;
    await vi.advanceTimersByTimeAsync(10 * MINUTE);
    expect(fake.calls.quota).toBe(calls);
  });

  it('keeps the last figures when a read fails (offline), and reads again once back online', async () => {
    const { fake, model } = setup({ initial: { used: 500 } });
    model.setUser(ADA_ID);
    await settle();
    fake.offline = true;
    model.setOffline(true);
    await model.refresh();
    expect(model.quota?.used).toBe(500);

    fake.offline = false;
    fake.account()!.used = 900;
    model.setOffline(false);
    await settle();
    expect(model.quota?.used).toBe(900);
  });
});

describe('countdown clock', () => {
  it('moves each minute, then each second in the last hour, and re-reads the quota once the period ends', async () => {
    const { fake, model } = setup({ periodEndsAt: new Date(START + HOUR + 30 * SECOND).toISOString() });
    model.setUser(ADA_ID);
    await settle();
    expect(model.msLeft).toBe(HOUR + 30 * SECOND);
    await vi.advanceTimersByTimeAsync(29 * SECOND);
    expect(model.msLeft).toBe(HOUR + 30 * SECOND);
    await vi.advanceTimersByTimeAsync(SECOND);
    expect(model.msLeft).toBe(HOUR);
    await vi.advanceTimersByTimeAsync(SECOND);
    expect(model.msLeft).toBe(HOUR - SECOND);

    const calls = fake.calls.quota;
    await vi.advanceTimersByTimeAsync(HOUR);
    // The new period is read once, not on every tick after the end.
    expect(fake.calls.quota).toBe(calls + 1);
    await vi.advanceTimersByTimeAsync(HOUR);
    expect(fake.calls.quota).toBe(calls + 1);
  });
});

describe('plans dialog', () => {
  it('loads the offers and the quota when opened', async () => {
    const { fake, model } = setup();
    model.setUser(ADA_ID);
    await settle();
    const quotaCalls = fake.calls.quota;
    model.openPlans();
    expect(model.plansOpen).toBe(true);
    expect(model.plans.kind).toBe('loading');
    await settle();
    expect(model.plans).toMatchObject({ kind: 'ready', plans: { freeWeekly: 25_000, packTokens: 250_000 } });
    expect(fake.calls.quota).toBe(quotaCalls + 1);
  });

  it('says when the offers cannot be read, and tries again', async () => {
    const { fake, model } = setup();
    model.setUser(ADA_ID);
    fake.failNext.plans = { code: 'offline', message: 'down' };
    model.openPlans();
    await settle();
    expect(model.plans).toMatchObject({ kind: 'failed', error: { code: 'offline' } });
    await model.loadPlans();
    expect(model.plans.kind).toBe('ready');
  });

  it('shows a failed checkout inline and does not poll', async () => {
    const { fake, model } = await withDialog();
    fake.failNext.openCheckout = { code: 'not_configured', message: 'no link' };
    const calls = fake.calls.quota;
    await model.buy('top_up250k');
    expect(model.checkout).toMatchObject({ kind: 'failed', product: 'top_up250k', error: { code: 'not_configured' } });
    expect(model.polling).toBe(false);
    await vi.advanceTimersByTimeAsync(MINUTE);
    expect(fake.calls.quota).toBe(calls);
  });
});

describe('polling after a checkout', () => {
  it('opens the checkout, then polls with the backoff: 5 s, 10 s, 20 s, 30 s, then each minute', async () => {
    const { fake, model } = await withDialog();
    await model.buy('pro');
    expect(fake.checkouts).toEqual(['pro']);
    expect(model.checkout).toEqual({ kind: 'waiting', product: 'pro' });
    const base = fake.calls.quota;
    const polls = () => fake.calls.quota - base;

    await vi.advanceTimersByTimeAsync(4_999);
    expect(polls()).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(polls()).toBe(1);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(polls()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(polls()).toBe(2);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(polls()).toBe(3);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(polls()).toBe(4);
    await vi.advanceTimersByTimeAsync(59_999);
    expect(polls()).toBe(4);
    await vi.advanceTimersByTimeAsync(1);
    expect(polls()).toBe(5);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(polls()).toBe(6);
    expect(model.checkout.kind).toBe('waiting');
  });

  it('gives up ten minutes after the checkout, saying the payment has not been seen yet', async () => {
    const { fake, model } = await withDialog();
    await model.buy('top_up250k');
    const base = fake.calls.quota;
    await vi.advanceTimersByTimeAsync(10 * MINUTE - 1);
    expect(model.polling).toBe(true);
    await vi.advanceTimersByTimeAsync(1);
    // 5 s, 15 s, 35 s, 65 s, then each minute to 545 s, and a last one at 600 s.
    expect(fake.calls.quota - base).toBe(13);
    expect(model.polling).toBe(false);
    expect(model.checkout).toEqual({ kind: 'timedOut', product: 'top_up250k' });
    await vi.advanceTimersByTimeAsync(30 * MINUTE);
    expect(fake.calls.quota - base).toBe(13);
  });

  it('stops polling when the dialog is closed: no more quota() calls, focus included', async () => {
    const { fake, model, focus } = await withDialog();
    await model.buy('pro');
    await vi.advanceTimersByTimeAsync(5_000);
    const calls = fake.calls.quota;
    model.closePlans();
    expect(model.polling).toBe(false);
    expect(model.checkout.kind).toBe('idle');
    focus.dispatchEvent(new Event('focus'));
    await vi.advanceTimersByTimeAsync(20 * MINUTE);
    expect(fake.calls.quota).toBe(calls);
  });

  it('ignores a checkout that finishes opening after the dialog was closed', async () => {
    const { fake, model } = await withDialog();
    const buying = model.buy('pro');
    model.closePlans();
    await buying;
    expect(model.checkout.kind).toBe('idle');
    const calls = fake.calls.quota;
    await vi.advanceTimersByTimeAsync(MINUTE);
    expect(fake.calls.quota).toBe(calls);
  });

  it('polls at once when the window regains focus, without waiting for the timer', async () => {
    const { fake, model, focus } = await withDialog();
    await model.buy('pro');
    const base = fake.calls.quota;
    focus.dispatchEvent(new Event('focus'));
    await settle();
    expect(fake.calls.quota - base).toBe(1);
    // The backoff goes on: the next timer poll still comes 5 s later.
    await vi.advanceTimersByTimeAsync(5_000);
    expect(fake.calls.quota - base).toBe(2);
    expect(model.checkout.kind).toBe('waiting');
  });

  it('listens to the real window by default', async () => {
    const backend = new FakeBackend({
      auth: { initial: { status: 'signedIn', user: { id: ADA_ID, email: 'ada@example.com' }, offline: false, persistence: 'keychain' } },
    });
    const model = new QuotaModel(backend);
    model.setUser(ADA_ID);
    model.openPlans();
    await settle();
    await model.buy('pro');
    const base = backend.billing.calls.quota;
    window.dispatchEvent(new Event('focus'));
    await settle();
    expect(backend.billing.calls.quota - base).toBe(1);
    model.closePlans();
    window.dispatchEvent(new Event('focus'));
    await settle();
    expect(backend.billing.calls.quota - base).toBe(1);
    model.stop();
  });

  it('confirms Pro once a poll shows the new plan, and stops polling', async () => {
    const { fake, model } = await withDialog({ initial: { used: 24_000 } });
    await model.buy('pro');
    await vi.advanceTimersByTimeAsync(15_000);
    expect(model.checkout.kind).toBe('waiting');
    // The webhook landed quietly: only a read can see it.
    Object.assign(fake.account()!, { plan: 'pro', used: 0 });
    await vi.advanceTimersByTimeAsync(20_000);
    expect(model.checkout).toEqual({ kind: 'confirmed', product: 'pro', landed: { kind: 'pro' } });
    expect(model.polling).toBe(false);
    expect(model.quota?.plan).toBe('pro');
    const calls = fake.calls.quota;
    await vi.advanceTimersByTimeAsync(10 * MINUTE);
    expect(fake.calls.quota).toBe(calls);
  });

  it('confirms a Token Pack by the credits it added, even with replies spending meanwhile', async () => {
    const { fake, model } = await withDialog({ initial: { used: 25_000, credits: 5_000 } });
    await model.buy('top_up250k');
    // A reply elsewhere spends 1,000 credits: not a purchase.
    fake.spend(1_000);
    expect(model.checkout.kind).toBe('waiting');
    fake.completePurchase('top_up250k');
    // quotaChanged brought it before any poll.
    expect(model.checkout).toEqual({ kind: 'confirmed', product: 'top_up250k', landed: { kind: 'credits', added: 250_000 } });
    expect(model.polling).toBe(false);
  });

  it('retries a failed poll on the next tick without showing a failure', async () => {
    const { fake, model } = await withDialog();
    await model.buy('top_up250k');
    fake.failNext.quota = { code: 'offline', message: 'down' };
    await vi.advanceTimersByTimeAsync(5_000);
    expect(model.checkout.kind).toBe('waiting');
    expect(model.polling).toBe(true);
    fake.account()!.credits = 250_000;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(model.checkout).toMatchObject({ kind: 'confirmed', landed: { kind: 'credits', added: 250_000 } });
  });
});
