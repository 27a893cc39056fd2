// The chat through the whole App over the in-memory fake (FakeChat streams
// scripted replies word by word): a reply streams into a live row and ends
// as a stored one, Stop keeps a partial reply, Regenerate replaces the last
// reply, edit-and-resend warns then drops the later turns, quota and server
// failures, offline, the remembered Deep Search / Reason mode and model, and
// the link confirmation.
import { fireEvent, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeBackend } from './backend-fake';
import { CHAT_MODE_KEY, CHAT_MODEL_KEY, ChatModel } from './chat.svelte';
import { HistoryModel } from './history.svelte';
import { memoryStorage } from './storage';
import { fakeLayout } from '../test/history-app';
import { SIGNED_IN } from '../test/auth-app';
import {
  composerInput,
  finishedReply,
  LYON,
  openConversation,
  RECIPES,
  renderChatApp,
  rows,
  sendText,
  streamingText,
} from '../test/chat-app';

beforeEach(() => {
  // jsdom has no layout: without this the virtualised list shows no rows.
  fakeLayout();
});

describe('sending', () => {
  it('streams the reply into a live row, then shows the stored reply', async () => {
    const { fake, backend } = renderChatApp();
    fake.script('Hello brave new world');
    // Held after two words, so the streaming state can be looked at.
    fake.pauseAfter = 2;
    await sendText('Say hello');

    // Queried afresh each time: the live row is replaced when the reply gets
    // its id (`started`) and when the new chat becomes its conversation.
    await waitFor(() => expect(streamingText()).toBe('Hello brave'));
    const live = screen.getByTestId('assistant-streaming');
    expect(live.dataset['role']).toBe('assistant');
    expect(live.getAttribute('aria-busy')).toBe('true');
    expect(screen.getByTestId('streaming-indicator')).toBeTruthy();
    expect(screen.getByTestId('composer-stop')).toBeTruthy();
    expect(screen.queryByTestId('composer-send')).toBeNull();
    // The new chat became its conversation as soon as the question was saved.
    const view = await screen.findByTestId('conversation-view');
    const id = view.dataset['id']!;
    expect([LYON, RECIPES]).not.toContain(id);
    expect(backend.history.conversation(id)?.messages.map((m) => m.content)).toEqual(['Say hello']);
    expect(rows()).toEqual(['user:complete:Say hello', 'assistant:streaming:Hello brave']);

    fake.resume();
    const reply = await finishedReply('complete', 'Hello brave new world');
    expect(within(reply).getByTestId('message-content').textContent?.trim()).toBe('Hello brave new world');
    expect(screen.queryByTestId('assistant-streaming')).toBeNull();
    expect(screen.queryByTestId('streaming-indicator')).toBeNull();
    expect(rows()).toEqual(['user:complete:Say hello', 'assistant:complete:Hello brave new world']);
    // Once stored, the reply gets its actions, and the sidebar lists the conversation.
    await waitFor(() => expect(screen.getAllByTestId('message-regenerate')).toHaveLength(1));
    await waitFor(() =>
      expect(screen.getAllByTestId('conversation-title').map((el) => el.textContent?.trim())).toContain('Say hello'),
    );
  });

  it('renders the finished reply as Markdown', async () => {
    const { fake } = renderChatApp();
    fake.script('Some **bold** text and a list:\n\n- one\n- two');
    await sendText('Format something');
    const reply = await finishedReply('complete');
    await waitFor(() => expect(reply.querySelector('strong')?.textContent).toBe('bold'));
    expect(reply.querySelectorAll('ul li')).toHaveLength(2);
  });

  it('sends in the open conversation, after its messages', async () => {
    const { fake } = renderChatApp();
    await openConversation(LYON);
    fake.script('Sunday: museums.');
    await sendText('And Sunday?');
    await finishedReply('complete', 'Sunday: museums.');
    await waitFor(() =>
      expect(rows()).toEqual([
        'user:complete:Plan a weekend in Lyon.',
        'assistant:complete:Saturday: markets.',
        'user:complete:And Sunday?',
        'assistant:complete:Sunday: museums.',
      ]),
    );
    expect(fake.calls.sendMessage).toBe(1);
    expect(screen.getByTestId('conversation-view').dataset['id']).toBe(LYON);
  });

  it('holds history reloads while a reply streams in a listed conversation, then reloads', async () => {
    const { fake, backend } = renderChatApp();
    await openConversation(LYON);
    fake.script('Sunday: museums.');
    fake.pauseAfter = 1;
    await sendText('And Sunday?');
    await waitFor(() => expect(streamingText()).toBe('Sunday:'));
    const listed = backend.history.calls.listConversations;
    backend.history.touch();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(backend.history.calls.listConversations).toBe(listed);
    fake.resume();
    await finishedReply('complete', 'Sunday: museums.');
    await waitFor(() => expect(backend.history.calls.listConversations).toBeGreaterThan(listed));
  });
});

describe('stop', () => {
  it('ends the reply as partial, keeping what came', async () => {
    const { fake, backend } = renderChatApp();
    await openConversation(LYON);
    fake.script('one two three four five six');
    fake.pauseAfter = 3;
    await sendText('Count');
    await waitFor(() => expect(streamingText()).toBe('one two three'));

    await fireEvent.click(screen.getByTestId('composer-stop'));
    const reply = await finishedReply('partial');
    expect(within(reply).getByTestId('message-content').textContent?.trim()).toBe('one two three');
    expect(within(reply).getByTestId('message-status').textContent).toBe('Stopped before the end');
    expect(fake.calls.stopChat).toBe(1);
    expect(screen.queryByTestId('assistant-streaming')).toBeNull();
    expect(screen.queryByTestId('streaming-indicator')).toBeNull();
    expect(screen.getByTestId('composer-send')).toBeTruthy();
    // Stored as partial, and the question was sent once.
    expect(backend.history.conversation(LYON)!.messages.at(-1)).toMatchObject({ status: 'partial', content: 'one two three ' });
    expect(fake.calls.sendMessage).toBe(1);
  });

  it('says it is stopping, and allows one Stop, until the reply has ended', async () => {
    const { fake, backend } = renderChatApp();
    await openConversation(LYON);
    fake.script('one two three four');
    fake.pauseAfter = 2;
    await sendText('Count');
    await waitFor(() => expect(streamingText()).toBe('one two'));
    // A backend slow to stop: the request is held until released.
    let release = () => {};
    const stopped = new Promise<void>((resolve) => (release = resolve));
    backend.stopChat = async (id) => {
      await stopped;
      return fake.stopChat(id);
    };

    await fireEvent.click(screen.getByTestId('composer-stop'));
    await waitFor(() => expect(screen.getByTestId('streaming-indicator').textContent).toContain('Stopping…'));
    expect((screen.getByTestId('composer-stop') as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.keyDown(composerInput(), { key: 'Escape' });
    release();
    await finishedReply('partial', 'one two');
    // The click and the Escape made one request.
    expect(fake.calls.stopChat).toBe(1);
  });
});

describe('regenerate', () => {
  it('replaces the last reply without repeating the question', async () => {
    const { fake, backend } = renderChatApp();
    const view = await openConversation(LYON);
    fake.script('Saturday: museums instead.');
    fake.pauseAfter = 1;
    await fireEvent.click(within(view).getByTestId('message-regenerate'));

    // While it streams, the old reply is gone and the question shows once.
    await screen.findByTestId('assistant-streaming');
    await waitFor(() => expect(rows()).toEqual(['user:complete:Plan a weekend in Lyon.', 'assistant:streaming:Saturday:']));
    fake.resume();
    await finishedReply('complete', 'museums instead');
    await waitFor(() =>
      expect(rows()).toEqual(['user:complete:Plan a weekend in Lyon.', 'assistant:complete:Saturday: museums instead.']),
    );
    expect(fake.calls.regenerateReply).toBe(1);
    expect(fake.calls.sendMessage).toBe(0);
    const stored = backend.history.conversation(LYON)!.messages;
    expect(stored.map((m) => m.content)).toEqual(['Plan a weekend in Lyon.', 'Saturday: museums instead.']);
  });

  it('offers Regenerate on the last reply only', async () => {
    renderChatApp();
    const view = await openConversation(RECIPES);
    const regenerate = within(view).getAllByTestId('message-regenerate');
    expect(regenerate).toHaveLength(1);
    expect(regenerate[0]!.closest('[data-testid="message-item"]')?.textContent).toContain('Tarte Tatin.');
  });
});

describe('edit and resend', () => {
  it('warns that later messages will be replaced, then drops them', async () => {
    const { fake, backend } = renderChatApp();
    const view = await openConversation(RECIPES);
    const first = within(view).getAllByTestId('message-item')[0]!;
    await fireEvent.click(within(first).getByTestId('message-edit'));

    const editor = await screen.findByTestId('message-editor');
    expect(within(editor).getByTestId('edit-warning').textContent).toBe('Later messages will be replaced.');
    expect(within(editor).getByTestId('edit-confirm').textContent?.trim()).toBe('Replace and send');
    await fireEvent.input(within(editor).getByTestId('edit-input'), { target: { value: 'A starter?' } });
    fake.script('Oeufs mayonnaise.');
    await fireEvent.click(within(editor).getByTestId('edit-confirm'));

    await finishedReply('complete', 'Oeufs mayonnaise.');
    await waitFor(() => expect(rows()).toEqual(['user:complete:A starter?', 'assistant:complete:Oeufs mayonnaise.']));
    expect(fake.calls.editAndResend).toBe(1);
    expect(backend.history.conversation(RECIPES)!.messages.map((m) => m.content)).toEqual(['A starter?', 'Oeufs mayonnaise.']);
  });

  it('sends nothing when the edit is cancelled', async () => {
    const { fake } = renderChatApp();
    const view = await openConversation(RECIPES);
    const first = within(view).getAllByTestId('message-item')[0]!;
    await fireEvent.click(within(first).getByTestId('message-edit'));
    const editor = await screen.findByTestId('message-editor');
    await fireEvent.input(within(editor).getByTestId('edit-input'), { target: { value: 'Never mind' } });
    await fireEvent.click(within(editor).getByTestId('edit-cancel'));
    expect(screen.queryByTestId('message-editor')).toBeNull();
    expect(fake.calls.editAndResend).toBe(0);
    expect(rows()).toHaveLength(4);
  });
});

describe('the edit box keyboard', () => {
  it('sends on Enter, but not on the Enter that ends an IME composition', async () => {
    const { fake } = renderChatApp();
    const view = await openConversation(RECIPES);
    await fireEvent.click(within(within(view).getAllByTestId('message-item')[2]!).getByTestId('message-edit'));
    const input = within(await screen.findByTestId('message-editor')).getByTestId('edit-input');
    await fireEvent.input(input, { target: { value: 'ケーキ' } });
    // WebKit's commit of a composition: isComposing false, keyCode 229.
    await fireEvent.keyDown(input, { key: 'Enter', keyCode: 229 });
    expect(fake.calls.editAndResend).toBe(0);
    expect(screen.getByTestId('message-editor')).toBeTruthy();

    fake.script('Cheesecake.');
    await fireEvent.keyDown(input, { key: 'Enter' });
    await finishedReply('complete', 'Cheesecake.');
    expect(fake.calls.editAndResend).toBe(1);
    await waitFor(() => expect(rows().slice(2)).toEqual(['user:complete:ケーキ', 'assistant:complete:Cheesecake.']));
  });

  it('cancels on Escape', async () => {
    const { fake } = renderChatApp();
    const view = await openConversation(RECIPES);
    await fireEvent.click(within(within(view).getAllByTestId('message-item')[0]!).getByTestId('message-edit'));
    await fireEvent.keyDown(within(await screen.findByTestId('message-editor')).getByTestId('edit-input'), { key: 'Escape' });
    expect(screen.queryByTestId('message-editor')).toBeNull();
    expect(fake.calls.editAndResend).toBe(0);
  });
});

describe('several conversations', () => {
  it('keeps a reply streaming in its conversation while another is open', async () => {
    const { fake } = renderChatApp();
    await openConversation(LYON);
    fake.script('one two three four');
    fake.pauseAfter = 2;
    await sendText('Count');
    await waitFor(() => expect(streamingText()).toBe('one two'));

    await openConversation(RECIPES);
    // The other conversation can be written in; nothing streams there.
    expect(screen.queryByTestId('assistant-streaming')).toBeNull();
    expect(screen.queryByTestId('streaming-indicator')).toBeNull();
    expect(screen.queryByTestId('composer-stop')).toBeNull();
    // Escape there does not stop the reply elsewhere.
    await fireEvent.keyDown(window, { key: 'Escape' });
    expect(fake.calls.stopChat).toBe(0);

    await openConversation(LYON);
    await waitFor(() => expect(streamingText()).toBe('one two'));
    fake.resume();
    await finishedReply('complete', 'one two three four');
    expect(rows()).toHaveLength(4);
  });

  it('shows the stored reply in a conversation left while its reply ended', async () => {
    const { fake } = renderChatApp();
    await openConversation(LYON);
    fake.script('Done while away.');
    fake.pauseAfter = 1;
    await sendText('Later');
    await screen.findByTestId('assistant-streaming');
    await fireEvent.click(screen.getByTestId('new-chat'));
    await screen.findByTestId('new-chat-view');
    fake.resume();
    await waitFor(() => expect(fake.isRunning(LYON)).toBe(false));
    await openConversation(LYON);
    await finishedReply('complete', 'Done while away.');
    await waitFor(() => expect(rows()).toHaveLength(4));
    expect(screen.queryByTestId('chat-error')).toBeNull();
  });
});

describe('failures', () => {
  it('opens the plans dialog on quota_exceeded, with the error inline', async () => {
    const { fake } = renderChatApp();
    await openConversation(LYON);
    fake.failNext = { code: 'quota_exceeded' };
    await sendText('One more?');

    const dialog = await screen.findByTestId('plans-dialog');
    expect(dialog.getAttribute('role')).toBe('dialog');
    expect(screen.getByTestId('chat-error').dataset['code']).toBe('quota_exceeded');
    // No reply came, so none is shown; the question stays.
    expect(rows().filter((row) => row.startsWith('assistant'))).toEqual(['assistant:complete:Saturday: markets.']);
    expect(rows()).toContain('user:complete:One more?');

    await fireEvent.click(screen.getByTestId('plans-close'));
    expect(screen.queryByTestId('plans-dialog')).toBeNull();
  });

  it('shows a server error inline, and Retry asks again', async () => {
    const { fake, backend } = renderChatApp();
    await openConversation(LYON);
    fake.script('This will break', 'Here it is, whole.');
    fake.failNext = { code: 'server', afterWords: 2 };
    await sendText('Try it');

    const error = await screen.findByTestId('chat-error');
    expect(error.dataset['code']).toBe('server');
    expect(error.getAttribute('role')).toBe('alert');
    await finishedReply('error', 'This will');
    expect(screen.queryByTestId('plans-dialog')).toBeNull();

    await fireEvent.click(within(error).getByTestId('chat-retry'));
    await finishedReply('complete', 'Here it is, whole.');
    await waitFor(() => expect(screen.queryByTestId('chat-error')).toBeNull());
    await waitFor(() =>
      expect(rows()).toEqual([
        'user:complete:Plan a weekend in Lyon.',
        'assistant:complete:Saturday: markets.',
        'user:complete:Try it',
        'assistant:complete:Here it is, whole.',
      ]),
    );
    // The saved question was not sent twice: Retry regenerated its reply.
    expect(fake.calls.sendMessage).toBe(1);
    expect(fake.calls.regenerateReply).toBe(1);
    expect(backend.history.conversation(LYON)!.messages).toHaveLength(4);
  });

  it('retries a reply that failed before any text by asking for it again', async () => {
    const { fake } = renderChatApp();
    await openConversation(LYON);
    fake.failNext = { code: 'server', afterWords: 0 };
    // The failed reply uses up the first script.
    fake.script('Never shown.', 'Recovered.');
    await sendText('Hello?');
    const error = await screen.findByTestId('chat-error');
    await fireEvent.click(within(error).getByTestId('chat-retry'));
    await finishedReply('complete', 'Recovered.');
    await waitFor(() => expect(rows().slice(2)).toEqual(['user:complete:Hello?', 'assistant:complete:Recovered.']));
    expect(fake.calls.sendMessage).toBe(1);
    expect(fake.calls.regenerateReply).toBe(1);
  });

  it('retries a send refused before anything was saved by sending it again', async () => {
    const { fake, backend } = renderChatApp();
    await openConversation(LYON);
    // Refused outright (nothing saved, no events), as native-app does for `busy`.
    const send = backend.sendMessage.bind(backend);
    let refuse = true;
    backend.sendMessage = async (...args) => {
      if (!refuse) return send(...args);
      refuse = false;
      return { status: 'error', error: { code: 'busy', message: 'busy' } };
    };
    fake.script('Second time lucky.');
    await sendText('Hello?');
    const error = await screen.findByTestId('chat-error');
    expect(error.dataset['code']).toBe('busy');
    // The unsent question still shows, once.
    expect(rows().filter((row) => row === 'user:complete:Hello?')).toHaveLength(1);
    await fireEvent.click(within(error).getByTestId('chat-retry'));
    await finishedReply('complete', 'Second time lucky.');
    await waitFor(() => expect(rows().slice(2)).toEqual(['user:complete:Hello?', 'assistant:complete:Second time lucky.']));
    expect(fake.calls.sendMessage).toBe(1);
    expect(fake.calls.regenerateReply).toBe(0);
  });

  it('dismisses the inline error', async () => {
    const { fake } = renderChatApp();
    await openConversation(LYON);
    fake.failNext = { code: 'timed_out' };
    await sendText('Slow?');
    const error = await screen.findByTestId('chat-error');
    expect(error.textContent).toContain('The reply took too long and was stopped.');
    await fireEvent.click(within(error).getByTestId('chat-error-dismiss'));
    expect(screen.queryByTestId('chat-error')).toBeNull();
  });
});

describe('offline', () => {
  it('disables the composer and says why when sync is offline', async () => {
    const { fake } = renderChatApp({ history: { offline: true } });
    await waitFor(() => expect(composerInput().disabled).toBe(true));
    expect(screen.getByTestId('composer-offline').textContent).toContain("You're offline");
    expect((screen.getByTestId('composer-send') as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.keyDown(composerInput(), { key: 'Enter' });
    expect(fake.calls.sendMessage).toBe(0);
  });

  it('disables the composer when the session is offline', async () => {
    renderChatApp({ auth: { initial: { ...SIGNED_IN, offline: true } } });
    await waitFor(() => expect(composerInput().disabled).toBe(true));
    expect(screen.getByTestId('composer-offline')).toBeTruthy();
  });

  it('enables it again once back online', async () => {
    const { backend } = renderChatApp({ history: { offline: true } });
    await waitFor(() => expect(composerInput().disabled).toBe(true));
    backend.history.setOffline(false);
    await waitFor(() => expect(composerInput().disabled).toBe(false));
    expect(screen.queryByTestId('composer-offline')).toBeNull();
  });
});

describe('answer options', () => {
  it('remembers Deep Search and Reason (exclusive) across a new ChatModel, and sends the mode', async () => {
    const { fake } = renderChatApp();
    const deep = await screen.findByTestId('mode-deep-search');
    const reason = screen.getByTestId('mode-reason');
    expect(deep.getAttribute('aria-pressed')).toBe('false');

    await fireEvent.click(deep);
    expect(deep.getAttribute('aria-pressed')).toBe('true');
    expect(localStorage.getItem(CHAT_MODE_KEY)).toBe('deep_search');
    await fireEvent.click(reason);
    expect(reason.getAttribute('aria-pressed')).toBe('true');
    expect(deep.getAttribute('aria-pressed')).toBe('false');
    expect(localStorage.getItem(CHAT_MODE_KEY)).toBe('reason');

    const backend = new FakeBackend();
    expect(new ChatModel(backend, new HistoryModel(backend)).mode).toBe('reason');

    fake.script('Thought about it.');
    await sendText('Think');
    await finishedReply('complete');
    expect(fake.options.at(-1)?.mode).toBe('reason');

    await fireEvent.click(screen.getByTestId('mode-reason'));
    expect(localStorage.getItem(CHAT_MODE_KEY)).toBeNull();
    expect(new ChatModel(backend, new HistoryModel(backend)).mode).toBe('standard');
  });

  it('reads the mode from the given storage, ignoring unknown values', () => {
    const backend = new FakeBackend();
    const history = new HistoryModel(backend);
    expect(new ChatModel(backend, history, { storage: memoryStorage({ [CHAT_MODE_KEY]: 'deep_search' }) }).mode).toBe('deep_search');
    expect(new ChatModel(backend, history, { storage: memoryStorage({ [CHAT_MODE_KEY]: 'turbo' }) }).mode).toBe('standard');
  });

  it('lists chatModels() in the picker, and sends and remembers the picked one', async () => {
    const { fake } = renderChatApp({ chat: { models: ['demo-echo', 'demo-large', 'demo-small'] } });
    const picker = (await screen.findByTestId('model-picker')) as HTMLSelectElement;
    await waitFor(() =>
      expect(Array.from(picker.options).map((o) => o.value)).toEqual(['demo-echo', 'demo-large', 'demo-small']),
    );
    expect(picker.disabled).toBe(false);
    expect(picker.value).toBe('demo-echo');
    expect(fake.calls.chatModels).toBe(1);

    await fireEvent.change(picker, { target: { value: 'demo-large' } });
    expect(localStorage.getItem(CHAT_MODEL_KEY)).toBe('demo-large');
    fake.script('From the large one.');
    await sendText('Which model?');
    await finishedReply('complete');
    expect(fake.options.at(-1)?.model).toBe('demo-large');
    expect(picker.value).toBe('demo-large');
  });

  it('asks for the default when the remembered model is no longer offered', async () => {
    localStorage.setItem(CHAT_MODEL_KEY, 'retired-model');
    const { fake } = renderChatApp();
    const picker = (await screen.findByTestId('model-picker')) as HTMLSelectElement;
    await waitFor(() => expect(picker.options).toHaveLength(2));
    expect(picker.value).toBe('demo-echo');
    fake.script('Default it is.');
    await sendText('Hi');
    await finishedReply('complete');
    expect(fake.options.at(-1)?.model).toBeNull();
  });

  it('shows a disabled default entry, and asks for the default, when the models cannot be loaded', async () => {
    const { fake } = renderChatApp();
    // Set before the session's first chatModels() call, which comes after mounting.
    fake.modelsError = 'server';
    const picker = (await screen.findByTestId('model-picker')) as HTMLSelectElement;
    await waitFor(() => expect(fake.calls.chatModels).toBe(1));
    expect(picker.disabled).toBe(true);
    expect(Array.from(picker.options).map((o) => o.textContent)).toEqual(['Default model']);
    fake.script('Fine.');
    await sendText('Hi');
    await finishedReply('complete');
    expect(fake.options.at(-1)?.model).toBeNull();
  });
});

describe('message actions', () => {
  it('copies a message', async () => {
    const writeText = vi.fn<(text: string) => Promise<void>>().mockResolvedValue(undefined);
    vi.stubGlobal('navigator', { ...navigator, clipboard: { writeText } });
    renderChatApp();
    const view = await openConversation(LYON);
    const reply = within(view).getAllByTestId('message-item')[1]!;
    await fireEvent.click(within(reply).getByTestId('message-copy'));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith('Saturday: markets.'));
    await waitFor(() => expect(within(reply).getByTestId('message-copy').textContent?.trim()).toBe('Copied'));
  });

  it('disables Regenerate and Edit while a reply streams', async () => {
    const { fake } = renderChatApp();
    const view = await openConversation(RECIPES);
    fake.script('a b c');
    fake.pauseAfter = 1;
    await sendText('Another?');
    await screen.findByTestId('assistant-streaming');
    await waitFor(() => {
      const buttons = [...within(view).getAllByTestId('message-edit'), ...within(view).queryAllByTestId('message-regenerate')];
      expect(buttons.length).toBeGreaterThan(0);
      for (const button of buttons) expect((button as HTMLButtonElement).disabled).toBe(true);
    });
    // The stored reply that was last is no longer last: no Regenerate on it.
    expect(within(view).queryAllByTestId('message-regenerate')).toHaveLength(0);
    fake.resume();
    await finishedReply('complete', 'a b c');
    await waitFor(() => expect((within(view).getByTestId('message-regenerate') as HTMLButtonElement).disabled).toBe(false));
  });
});

describe('links in replies', () => {
  it('asks before opening an http(s) link, and opens it only when confirmed', async () => {
    const { fake, backend } = renderChatApp();
    fake.script('See [the site](https://tauri.app/start).');
    await sendText('Link?');
    const reply = await finishedReply('complete');
    const link = await waitFor(() => {
      const found = reply.querySelector('a');
      expect(found).not.toBeNull();
      return found!;
    });

    await fireEvent.click(link);
    const dialog = await screen.findByTestId('link-confirm');
    expect(within(dialog).getByTestId('link-url').textContent).toBe('https://tauri.app/start');
    // Cancel has the focus: a stray Enter does not open the link.
    expect(document.activeElement).toBe(within(dialog).getByTestId('link-cancel'));
    await fireEvent.click(within(dialog).getByTestId('link-cancel'));
    expect(screen.queryByTestId('link-confirm')).toBeNull();
    expect(backend.opened).toEqual([]);

    await fireEvent.click(link);
    await fireEvent.click(await screen.findByTestId('link-open'));
    await waitFor(() => expect(backend.opened).toEqual(['https://tauri.app/start']));
    expect(screen.queryByTestId('link-confirm')).toBeNull();
  });
});
