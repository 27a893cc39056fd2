// The sign-in card's submit button: while its request runs it is disabled
// and says so, and pressing it then submits nothing.
import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import SubmitButton from './SubmitButton.svelte';

function renderInForm(busy: boolean) {
  const form = document.createElement('form');
  const onsubmit = vi.fn((event: Event) => event.preventDefault());
  form.addEventListener('submit', onsubmit);
  document.body.append(form);
  render(SubmitButton, { target: form, props: { busy, label: 'Sign in', busyLabel: 'Signing in…' } });
  const button = screen.getByTestId('auth-submit') as HTMLButtonElement;
  return { button, onsubmit, form };
}

describe('SubmitButton', () => {
  it('submits its form with its label when idle', async () => {
    const { button, onsubmit, form } = renderInForm(false);
    expect(button.type).toBe('submit');
    expect(button.disabled).toBe(false);
    expect(button.textContent?.trim()).toBe('Sign in');
    expect(button.querySelector('.spinner')).toBeNull();
    await fireEvent.click(button);
    expect(onsubmit).toHaveBeenCalledTimes(1);
    form.remove();
  });

  it('is disabled with a spinner and its busy label while busy', async () => {
    const { button, onsubmit, form } = renderInForm(true);
    expect(button.disabled).toBe(true);
    expect(button.textContent?.trim()).toBe('Signing in…');
    expect(button.querySelector('.spinner')?.getAttribute('aria-hidden')).toBe('true');
    await fireEvent.click(button);
    expect(onsubmit).not.toHaveBeenCalled();
    form.remove();
  });
});
