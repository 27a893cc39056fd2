// Attachments in the composer and in history, through the whole App over
// the in-memory fake: the attach button's files become chips (name, size,
// pages) that can be removed; refusals are shown with the file's reason;
// a pasted picture is attached as bytes; a question can go with files and
// no text; the stored question shows its files, which reopen from this
// device (and say so when they are not on it).
import { fireEvent, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeLayout } from '../../../test/history-app';
import { finishedReply, renderChatApp } from '../../../test/chat-app';

beforeEach(() => {
  fakeLayout();
});

function chips(): string[] {
  return screen.queryAllByTestId('attachment-chip').map((chip) => chip.querySelector('.name')?.textContent ?? '');
}

describe('attaching files', () => {
  it('shows picked files as chips with size and pages, and removes one', async () => {
    const { backend } = renderChatApp();
    backend.attachments.nextPick = [
      { name: 'rapport.pdf', type: 'application/pdf', size: 48_213, pages: 3 },
      { name: 'notes.md', type: 'text/markdown', size: 812 },
    ];
    await fireEvent.click(await screen.findByTestId('composer-attach'));
    await waitFor(() => expect(chips()).toEqual(['rapport.pdf', 'notes.md']));
    expect(screen.getAllByTestId('attachment-chip')[0]!.textContent).toContain('48 kB');
    expect(screen.getAllByTestId('attachment-chip')[0]!.textContent).toContain('3 p.');

    await fireEvent.click(within(screen.getAllByTestId('attachment-chip')[0]!).getByTestId('attachment-remove'));
    await waitFor(() => expect(chips()).toEqual(['notes.md']));
    expect(backend.attachments.calls.remove).toBe(1);
  });

  it('says why files were refused, naming them, and keeps the others', async () => {
    const { backend } = renderChatApp();
    backend.attachments.nextPick = [
      { name: 'ok.txt', type: 'text/plain', size: 10 },
      { name: 'film.mp4', type: 'text/plain', size: 9_000_000 },
    ];
    await fireEvent.click(await screen.findByTestId('composer-attach'));
    const alert = await screen.findByTestId('attachment-rejected');
    expect(alert.textContent).toContain("This file can't be attached.");
    expect(alert.textContent).toContain('film.mp4');
    expect(chips()).toEqual(['ok.txt']);
    await fireEvent.click(within(alert).getByRole('button'));
    expect(screen.queryByTestId('attachment-rejected')).toBeNull();
  });

  it('attaches a pasted picture as bytes and leaves pasted text alone', async () => {
    const { backend } = renderChatApp();
    const input = await screen.findByTestId('composer-input');
    const picture = new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], 'image.png', { type: 'image/png' });
    const withPicture = new Event('paste', { bubbles: true, cancelable: true });
    Object.defineProperty(withPicture, 'clipboardData', { value: { files: [picture] } });
    input.dispatchEvent(withPicture);
    expect(withPicture.defaultPrevented).toBe(true);
    await waitFor(() => expect(chips()).toHaveLength(1));
    expect(chips()[0]).toMatch(/^pasted-.*\.png$/);
    expect(backend.attachments.calls.paste).toBe(1);

    const withText = new Event('paste', { bubbles: true, cancelable: true });
    Object.defineProperty(withText, 'clipboardData', { value: { files: [] } });
    input.dispatchEvent(withText);
    expect(withText.defaultPrevented).toBe(false);
  });

  it('sends files without text, and the stored question shows them and reopens them', async () => {
    const { backend, fake } = renderChatApp();
    fake.script('Voici le résumé.');
    await fireEvent.click(await screen.findByTestId('composer-attach'));
    await waitFor(() => expect(chips()).toEqual(['rapport.pdf']));
    const send = screen.getByTestId('composer-send') as HTMLButtonElement;
    expect(send.disabled).toBe(false);
    await fireEvent.click(send);
    await finishedReply('complete', 'Voici le résumé.');
    await waitFor(() => expect(chips()).toEqual([]));

    const stored = await screen.findByTestId('message-attachment');
    await waitFor(() => expect(stored.dataset['onDevice']).toBe('true'));
    expect(stored.textContent).toContain('rapport.pdf');
    await fireEvent.click(stored);
    await waitFor(() => expect(backend.attachments.opened).toEqual(['rapport.pdf']));

    // Gone from this device (as on another one): the chip says so.
    backend.attachments.onDevice.clear();
    await fireEvent.click(stored);
    await waitFor(() => expect(stored.dataset['onDevice']).toBe('false'));
    expect(stored.textContent).toContain('Not on this device');
  });
});

describe('dragging files over the window', () => {
  it('shows where they will go while they are over it', async () => {
    const { backend } = renderChatApp();
    await screen.findByTestId('composer-input');
    expect(screen.queryByTestId('composer-drop')).toBeNull();
    backend.attachments.drag(true);
    expect((await screen.findByTestId('composer-drop')).textContent).toContain('Drop files to attach them');
    backend.attachments.drag(false);
    await waitFor(() => expect(screen.queryByTestId('composer-drop')).toBeNull());
  });
});
