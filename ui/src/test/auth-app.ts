// Shared by the sign-in screen tests: the whole App over the in-memory fake
// (with one confirmed account), and small form helpers.
import { fireEvent, render, screen } from '@testing-library/svelte';
import App from '../App.svelte';
import type { AuthState, Profile } from '../lib/backend';
import { FakeBackend } from '../lib/backend-fake';
import type { FakeAuthOptions } from '../lib/fake-auth';

export const ADA = { email: 'ada@example.com', password: 'analytical-engine' };
export const ADA_PROFILE: Profile = { id: '00000000-0000-4000-8000-00000000000a', email: ADA.email };
export const SIGNED_IN: Extract<AuthState, { status: 'signedIn' }> = {
  status: 'signedIn',
  user: ADA_PROFILE,
  offline: false,
  persistence: 'keychain',
};

export function renderApp(auth: FakeAuthOptions = {}) {
  const backend = new FakeBackend({ auth: { accounts: { [ADA.email]: ADA.password }, ...auth } });
  const result = render(App, { props: { backend } });
  return { ...result, backend, fake: backend.auth };
}

/** Types into a field, as an `input` event (what `bind:value` listens to). */
export async function enter(testid: string, value: string, within: ParentNode = document): Promise<void> {
  const input = within.querySelector<HTMLInputElement>(`[data-testid="${testid}"]`);
  if (!input) throw new Error(`no input ${testid}`);
  await fireEvent.input(input, { target: { value } });
}

/** Submits the form with that test id (as Enter or the submit button would). */
export async function submit(formTestid: string): Promise<void> {
  await fireEvent.submit(screen.getByTestId(formTestid));
}

export async function click(testid: string): Promise<void> {
  await fireEvent.click(screen.getByTestId(testid));
}

/** Fills e-mail and password in the form and submits it. */
export async function fillAndSubmit(formTestid: string, email: string, password: string): Promise<void> {
  const form = await screen.findByTestId(formTestid);
  await enter('auth-email', email, form);
  await enter('auth-password', password, form);
  await submit(formTestid);
}
