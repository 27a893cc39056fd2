// The composer's keyboard, through the whole App over the in-memory fake:
// Enter sends, Shift+Enter leaves the newline to the text field, empty text
// and an Enter that ends an IME composition send nothing, Enter during a
// reply keeps the text, Escape stops a reply (unless a dialog takes it),
// and Ctrl+N / Cmd+N starts a new chat with the composer focused.
import { fireEvent, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeLayout } from '../../../test/history-app';
import { composerInput, finishedReply, LYON, openConversation, RECIPES, renderChatApp, rows, streamingText } from '../../../test/chat-app';

beforeEach(() => {
  fakeLayout();
});

/** Types into the composer (an `input` event, what `bind:value` listens to). */
async function type(text: string): Promise<HTMLTextAreaElement> {
  const input = await screen.findByTestId('composer-input');
  await fireEvent.input(input, { target: { value: text } });
  return input as HTMLTextAreaElement;
}

/** Fires a keydown on `target`; returns the event, to see whether its default was prevented. */
function press(target: EventTarget, key: string, init: KeyboardEventInit = {}): KeyboardEvent {
  const event = new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true, ...init });
  target.dispatchEvent(event);
  return event;
}

describe('Enter and Shift+Enter', () => {
  it('sends on Enter and empties the field', async () => {
    const { fake } = renderChatApp();
    fake.script('Hi there.');
    const input = await type('Hello');
    const event = press(input, 'Enter');
    expect(event.defaultPrevented).toBe(true);
    await waitFor(() => expect(fake.calls.sendMessage).toBe(1));
    await waitFor(() => expect(composerInput().value).toBe(''));
    await finishedReply('complete', 'Hi there.');
    expect(rows()[0]).toBe('user:complete:Hello');
  });

  it('leaves Shift+Enter to the field (a new line) and does not send', async () => {
    const { fake } = renderChatApp();
    const input = await type('First line');
    const event = press(input, 'Enter', { shiftKey: true });
    expect(event.defaultPrevented).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fake.calls.sendMessage).toBe(0);
    expect(input.value).toBe('First line');
    // The field grows with the lines typed.
    await type('First line\nSecond line');
    expect(composerInput().rows).toBe(2);
  });

  it.each([
    ['empty', ''],
    ['only spaces and newlines', '  \n\t \n '],
  ])('sends nothing when the text is %s', async (_what, text) => {
    const { fake } = renderChatApp();
    const input = await type(text);
    expect((screen.getByTestId('composer-send') as HTMLButtonElement).disabled).toBe(true);
    press(input, 'Enter');
    await fireEvent.click(screen.getByTestId('composer-send'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fake.calls.sendMessage).toBe(0);
    expect(screen.queryByTestId('assistant-streaming')).toBeNull();
  });

  it('keeps the focus in the composer when the new chat becomes its conversation', async () => {
    const { fake } = renderChatApp();
    fake.script('Welcome.');
    const input = await type('First message');
    await waitFor(() => expect(document.activeElement).toBe(input));
    press(input, 'Enter');
    await screen.findByTestId('conversation-view');
    await finishedReply('complete', 'Welcome.');
    // The new chat's field was replaced by the conversation's: typing goes on there.
    expect(composerInput()).not.toBe(input);
    expect(document.activeElement).toBe(composerInput());
  });

  it('does not take the focus back from where the user moved it meanwhile', async () => {
    const { fake } = renderChatApp();
    fake.script('Welcome.');
    const input = await type('First message');
    press(input, 'Enter');
    // Before the view changes, the user has gone to the sidebar.
    const search = screen.getByTestId('search-open');
    search.focus();
    await screen.findByTestId('conversation-view');
    await finishedReply('complete', 'Welcome.');
    expect(document.activeElement).toBe(search);
  });

  it('sends the text trimmed', async () => {
    const { fake, backend } = renderChatApp();
    fake.script('ok');
    press(await type('  padded question \n'), 'Enter');
    await finishedReply('complete', 'ok');
    const id = screen.getByTestId('conversation-view').dataset['id']!;
    expect(backend.history.conversation(id)!.messages[0]!.content).toBe('padded question');
  });

  it.each([
    ['isComposing is set', { isComposing: true }],
    // WebKit (the webview on macOS and Linux) ends the composition before
    // this keydown, so isComposing is false there; keyCode 229 still says
    // the key belongs to the input method.
    ['WebKit reports keyCode 229', { keyCode: 229 }],
  ])('does not send on an Enter that ends an IME composition (%s)', async (_what, init) => {
    const { fake } = renderChatApp();
    const input = await type('にほんご');
    press(input, 'Enter', init);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fake.calls.sendMessage).toBe(0);
    expect(input.value).toBe('にほんご');
  });

  it('keeps the text on Enter while a reply streams, and sends it after', async () => {
    const { fake } = renderChatApp();
    await openConversation(LYON);
    fake.script('one two three', 'Second reply.');
    fake.pauseAfter = 1;
    press(await type('First'), 'Enter');
    await screen.findByTestId('assistant-streaming');

    const input = await type('Follow-up');
    press(input, 'Enter');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fake.calls.sendMessage).toBe(1);
    expect(composerInput().value).toBe('Follow-up');

    fake.resume();
    await finishedReply('complete', 'one two three');
    await waitFor(() => expect(screen.queryByTestId('composer-send')).not.toBeNull());
    press(composerInput(), 'Enter');
    await finishedReply('complete', 'Second reply.');
    expect(fake.calls.sendMessage).toBe(2);
  });
});

describe('Escape', () => {
  it('stops the streaming reply from the composer', async () => {
    const { fake } = renderChatApp();
    await openConversation(LYON);
    fake.script('a b c d e f');
    fake.pauseAfter = 2;
    press(await type('Go'), 'Enter');
    await waitFor(() => expect(streamingText()).toBe('a b'));

    const event = press(composerInput(), 'Escape');
    expect(event.defaultPrevented).toBe(true);
    const reply = await finishedReply('partial');
    expect(reply.textContent).toContain('a b');
    // One stop, not one from the composer and another from the window.
    expect(fake.calls.stopChat).toBe(1);
  });

  it('stops it from anywhere in the conversation', async () => {
    const { fake } = renderChatApp();
    await openConversation(LYON);
    fake.script('a b c d e f');
    fake.pauseAfter = 2;
    press(await type('Go'), 'Enter');
    await waitFor(() => expect(streamingText()).toBe('a b'));
    expect(press(document.body, 'Escape').defaultPrevented).toBe(true);
    await finishedReply('partial', 'a b');
    expect(fake.calls.stopChat).toBe(1);
  });

  it('does nothing when no reply streams', async () => {
    const { fake } = renderChatApp();
    const event = press(await type('draft'), 'Escape');
    expect(event.defaultPrevented).toBe(false);
    expect(fake.calls.stopChat).toBe(0);
    expect(composerInput().value).toBe('draft');
  });

  it('closes an open dialog first, leaving the reply streaming', async () => {
    const { fake } = renderChatApp();
    await openConversation(LYON);
    fake.script('See https://example.com for more and more');
    fake.pauseAfter = 3;
    press(await type('Link please'), 'Enter');
    const link = await waitFor(() => {
      const found = screen.getByTestId('assistant-streaming').querySelector('a');
      expect(found).not.toBeNull();
      return found!;
    });
    await fireEvent.click(link);
    const dialog = await screen.findByTestId('link-confirm');
    press(within(dialog).getByTestId('link-cancel'), 'Escape');
    await waitFor(() => expect(screen.queryByTestId('link-confirm')).toBeNull());
    expect(fake.calls.stopChat).toBe(0);
    expect(screen.getByTestId('assistant-streaming')).toBeTruthy();
    fake.resume();
    await finishedReply('complete', 'and more');
  });
});

describe('new chat', () => {
  it('Ctrl+N leaves the open conversation for a new chat and focuses the composer', async () => {
    renderChatApp();
    await openConversation(LYON);
    await type('a draft for Lyon');
    (screen.getByTestId('new-chat') as HTMLButtonElement).focus();

    const event = press(window, 'n', { ctrlKey: true });
    expect(event.defaultPrevented).toBe(true);
    await waitFor(() => expect(screen.queryByTestId('conversation-view')).toBeNull());
    expect(screen.getByTestId('new-chat-view')).toBeTruthy();
    await waitFor(() => expect(document.activeElement).toBe(composerInput()));
  });

  it('Cmd+N does the same (macOS), and Ctrl+N focuses the composer of a new chat already shown', async () => {
    renderChatApp();
    await openConversation(LYON);
    press(window, 'N', { metaKey: true });
    await screen.findByTestId('new-chat-view');
    (screen.getByTestId('new-chat') as HTMLButtonElement).focus();
    press(window, 'n', { ctrlKey: true });
    await waitFor(() => expect(document.activeElement).toBe(composerInput()));
  });

  it('ignores Ctrl+Shift+N and Ctrl+Alt+N', async () => {
    renderChatApp();
    await openConversation(LYON);
    expect(press(window, 'n', { ctrlKey: true, shiftKey: true }).defaultPrevented).toBe(false);
    expect(press(window, 'n', { ctrlKey: true, altKey: true }).defaultPrevented).toBe(false);
    expect(screen.getByTestId('conversation-view')).toBeTruthy();
  });

  it('the sidebar button starts a new chat too', async () => {
    renderChatApp();
    await openConversation(LYON);
    await fireEvent.click(screen.getByTestId('new-chat'));
    await screen.findByTestId('new-chat-view');
    expect(screen.queryByTestId('conversation-view')).toBeNull();
  });
});

describe('drafts', () => {
  it('keeps a draft per conversation, so text is never sent in another', async () => {
    const { fake } = renderChatApp();
    await openConversation(LYON);
    await type('Pour Lyon');
    await openConversation(RECIPES);
    await waitFor(() => expect(composerInput().value).toBe(''));
    await type('Pour les recettes');
    await openConversation(LYON);
    await waitFor(() => expect(composerInput().value).toBe('Pour Lyon'));
    expect(fake.calls.sendMessage).toBe(0);
  });
});
