// Chat as the UI sees it. Each conversation has at most one turn at a time
// (a send, a regenerate or an edit-and-resend): the question, the reply
// streamed so far and how it ended. A new chat's turn waits under its own
// key until `saved` names its conversation, which is then opened. Deltas
// are shown once per animation frame, not once per token. A turn in a
// listed conversation holds history's reloads until it ends (the turn draws
// its own rows). When a turn ends the history is reloaded; the turn is
// dropped once the stored reply is shown, or kept with its error for the
// inline Retry (`quota_exceeded` also calls `onQuotaExceeded`, which opens
// the plans dialog). The Deep Search / Reason mode and the picked model are
// remembered in localStorage. Links from replies open in the system browser
// only after the user confirms them.
import { SvelteMap } from 'svelte/reactivity';
import type { Backend, ChatEvent, ChatMode, ChatOptions, ChatOutcome, MessageItem, MessageStatus, Outcome } from './backend';
import { AttachmentsModel } from './attachments.svelte';
import { chatRows, type ChatRows, type TurnView } from './chat-rows';
import { copyText } from './clipboard';
import { guard } from './errors';
import { onNextFrame } from './frames';
import type { HistoryModel } from './history.svelte';
import { externalUrl } from './markdown/links';
import { browserStorage, type KeyValueStore } from './storage';

export const CHAT_MODE_KEY = 'native.chat.mode';
export const CHAT_MODEL_KEY = 'native.chat.model';

/** The key of a new chat's turn until `saved` names its conversation. */
const NEW = '';

/** A reply's failure: `code` as the backend sent it (an ErrorCode in practice). */
export interface ChatError {
  code: string;
  message: string;
}

export type TurnKind = TurnView['kind'];

export class Turn implements TurnView {
  readonly seq: number;
  readonly kind: TurnKind;
  readonly userText: string | null;
  readonly editedId: string | null;
  readonly startedAt = new Date().toISOString();
  conversationId = $state<string | null>(null);
  userMessageId = $state<string | null>(null);
  assistantId = $state<string | null>(null);
  model = $state<string | null>(null);
  text = $state('');
  phase = $state<TurnView['phase']>('sending');
  status = $state<MessageStatus | null>(null);
  error = $state.raw<ChatError | null>(null);
  stopping = $state(false);
  /** Deltas received since the last frame. */
  unshown = '';
  flushing = false;

  constructor(seq: number, kind: TurnKind, conversationId: string | null, userText: string | null, editedId: string | null) {
    this.seq = seq;
    this.kind = kind;
    this.conversationId = conversationId;
    this.userText = userText;
    this.editedId = editedId;
  }

  get active(): boolean {
    return this.phase !== 'ended';
  }
}

export interface ChatModelOptions {
  storage?: KeyValueStore;
  /** True when messages cannot be sent (sync or session offline). */
  isOffline?: () => boolean;
  /** Runs `callback` before the next paint (requestAnimationFrame). */
  frame?: (callback: () => void) => void;
  /** A reply was refused because the tokens ran out (the App opens the plans dialog). */
  onQuotaExceeded?: () => void;
}

function parseMode(value: string | null): ChatMode {
  return value === 'deep_search' || value === 'reason' ? value : 'standard';
}


type Call = (onEvent: (event: ChatEvent) => void) => Promise<Outcome<ChatOutcome>>;

export class ChatModel {
  readonly backend: Backend;
  readonly history: HistoryModel;
  /** Files for the next question, and which files of history this device has. */
  readonly files: AttachmentsModel;
  /** Turns by conversation id ('' for a new chat not yet saved). */
  readonly turns = new SvelteMap<string, Turn>();
  models = $state.raw<string[]>([]);
  mode = $state<ChatMode>('standard');
  /** The model the user picked (null: the gateway's default). */
  picked = $state<string | null>(null);
  /** Row keys by message id (see `rowKey`); plain, read while rendering. */
  readonly #rowKeys = new Map<string, string>();
  /** What is being written, by conversation ('' for the new chat). */
  readonly drafts = new SvelteMap<string, string>();
  /** The link waiting for the user's confirmation. */
  linkToOpen = $state<string | null>(null);
  /** Grows on each new chat, so the composer takes focus. */
  focusRequest = $state(0);
  #user: string | null = null;
  /** The conversation a new chat just became (see `takeFocusOnOpen`). */
  #focusOnOpen: string | null = null;
  #seq = 0;
  #storage: KeyValueStore;
  #isOffline: () => boolean;
  #frame: (callback: () => void) => void;
  #onQuotaExceeded: () => void;

  constructor(backend: Backend, history: HistoryModel, options: ChatModelOptions = {}) {
    this.backend = backend;
    this.history = history;
    this.files = new AttachmentsModel(backend);
    this.#storage = options.storage ?? browserStorage;
    this.#isOffline = options.isOffline ?? (() => false);
    this.#frame = options.frame ?? ((callback) => void onNextFrame(callback));
    this.#onQuotaExceeded = options.onQuotaExceeded ?? (() => undefined);
    this.mode = parseMode(this.#storage.get(CHAT_MODE_KEY));
    this.picked = this.#storage.get(CHAT_MODEL_KEY);
  }

  get offline(): boolean {
    return this.#isOffline();
  }

  /** The model to ask for: the picked one while the gateway allows it, else its default (null). */
  get model(): string | null {
    return this.picked !== null && this.models.includes(this.picked) ? this.picked : null;
  }

  /**
   * The list key of the row showing message `id`. A live row is drawn before
   * the backend names its message (`local-question-N`, `local-reply-N`);
   * when it does, the row keeps its first key, so the stored copy takes over
   * the same DOM node instead of a new one being built mid-turn.
   */
  rowKey(id: string): string {
    return this.#rowKeys.get(id) ?? id;
  }

  draft(conversationId: string | null): string {
    return this.drafts.get(conversationId ?? NEW) ?? '';
  }

  setDraft(conversationId: string | null, text: string): void {
    if (text === '') this.drafts.delete(conversationId ?? NEW);
    else this.drafts.set(conversationId ?? NEW, text);
  }

  turn(conversationId: string | null): Turn | undefined {
    return this.turns.get(conversationId ?? NEW);
  }

  streaming(conversationId: string | null): boolean {
    return this.turn(conversationId)?.active ?? false;
  }

  /** What the conversation (null: the new chat) shows, given its stored messages. */
  rows(conversationId: string | null, stored: MessageItem[]): ChatRows {
    return chatRows(stored, this.turn(conversationId));
  }

  /** Follows the session: a new user starts with no turns and reloads the models. */
  setUser(user: string | null): void {
    if (user === this.#user) return;
    this.#user = user;
    this.turns.clear();
    this.drafts.clear();
    this.#rowKeys.clear();
    this.models = [];
    this.linkToOpen = null;
    this.#focusOnOpen = null;
    if (user !== null) void this.loadModels();
  }

  async loadModels(): Promise<void> {
    const user = this.#user;
    const result = await guard(() => this.backend.chatModels());
    if (result.status === 'ok' && user === this.#user) this.models = result.data;
  }

  /** Turns Deep Search or Reason on or off; they exclude each other. */
  toggleMode(mode: Exclude<ChatMode, 'standard'>): void {
    this.mode = this.mode === mode ? 'standard' : mode;
    if (this.mode === 'standard') this.#storage.remove(CHAT_MODE_KEY);
    else this.#storage.set(CHAT_MODE_KEY, this.mode);
  }

  pickModel(model: string): void {
    this.picked = model;
    this.#storage.set(CHAT_MODEL_KEY, model);
  }

  /**
   * True once for the conversation a new chat has just become: its composer
   * replaces the new chat's, and takes the focus that one had.
   */
  takeFocusOnOpen(conversationId: string | null): boolean {
    if (conversationId === null || conversationId !== this.#focusOnOpen) return false;
    this.#focusOnOpen = null;
    return true;
  }

  /** Starts a new chat: closes the open conversation and focuses the composer. */
  newChat(): void {
    this.history.closeConversation();
    const draft = this.turns.get(NEW);
    if (draft && !draft.active) this.turns.delete(NEW);
    this.focusRequest += 1;
  }

  /**
   * Sends `text` in the conversation (null: a new one) with the pending
   * files (then the text may be empty). False when it cannot be sent now.
   */
  send(conversationId: string | null, text: string): boolean {
    const question = text.trim();
    const files = this.files.ids();
    if (!this.#canStart(conversationId) || (question === '' && files.length === 0)) return false;
    const turn = this.#begin('send', conversationId, question, null);
    void this.#run(turn, (onEvent) => this.backend.sendMessage(conversationId, question, files, this.#options(), onEvent));
    return true;
  }

  /** Asks again for the last question's reply, replacing it. */
  regenerate(conversationId: string): boolean {
    if (!this.#canStart(conversationId)) return false;
    const turn = this.#begin('regenerate', conversationId, null, null);
    void this.#run(turn, (onEvent) => this.backend.regenerateReply(conversationId, this.#options(), onEvent));
    return true;
  }

  /** Replaces a question (and everything after it) with `text`, then asks again. */
  editAndResend(conversationId: string, messageId: string, text: string): boolean {
    const question = text.trim();
    if (!this.#canStart(conversationId) || question === '') return false;
    const turn = this.#begin('edit', conversationId, question, messageId);
    void this.#run(turn, (onEvent) => this.backend.editAndResend(messageId, question, this.#options(), onEvent));
    return true;
  }

  /** Stops the running reply; what came is kept, marked partial. */
  stop(conversationId: string | null): void {
    const turn = this.turn(conversationId);
    if (!turn?.active || turn.stopping) return;
    turn.stopping = true;
    // Before `saved` the conversation is unknown: stopped as soon as it is.
    if (turn.conversationId !== null) void this.backend.stopChat(turn.conversationId);
  }

  /** Tries a failed turn again: the question was saved, so ask again; else send it again. */
  retry(conversationId: string | null): void {
    const turn = this.turn(conversationId);
    if (!turn || turn.active || !turn.error) return;
    const id = turn.conversationId;
    this.turns.delete(id ?? NEW);
    if (id !== null && (turn.userMessageId !== null || turn.kind === 'regenerate')) this.regenerate(id);
    else if (turn.kind === 'edit' && id !== null && turn.editedId !== null) this.editAndResend(id, turn.editedId, turn.userText ?? '');
    else this.send(id, turn.userText ?? '');
  }

  dismissError(conversationId: string | null): void {
    const turn = this.turn(conversationId);
    if (turn && !turn.active) this.turns.delete(conversationId ?? NEW);
  }

  /** Forgets a finished turn once the stored messages show its reply. */
  prune(conversationId: string, stored: MessageItem[]): void {
    const turn = this.turns.get(conversationId);
    if (!turn || turn.active || turn.error) return;
    const shown = (id: string | null) => id === null || stored.some((m) => m.id === id);
    if (shown(turn.userMessageId) && (turn.text === '' || shown(turn.assistantId))) this.turns.delete(conversationId);
  }

  copy(text: string): Promise<boolean> {
    return copyText(text);
  }

  /** A click on a link in a reply: http(s) links wait for confirmation, others are ignored. */
  requestOpenLink(url: string): void {
    const safe = externalUrl(url);
    if (safe !== null) this.linkToOpen = safe;
  }

  cancelOpenLink(): void {
    this.linkToOpen = null;
  }

  async confirmOpenLink(): Promise<void> {
    const url = this.linkToOpen;
    this.linkToOpen = null;
    if (url === null || externalUrl(url) === null) return;
    const result = await guard(() => this.backend.openExternal(url));
    if (result.status === 'error') this.history.toasts.show({ kind: 'failed', action: 'link', error: result.error });
  }

  #canStart(conversationId: string | null): boolean {
    return this.#user !== null && !this.offline && !this.streaming(conversationId);
  }

  #options(): ChatOptions {
    return { mode: this.mode, model: this.model };
  }

  #begin(kind: TurnKind, conversationId: string | null, userText: string | null, editedId: string | null): Turn {
    const turn = new Turn(++this.#seq, kind, conversationId, userText, editedId);
    this.turns.set(conversationId ?? NEW, turn);
    return turn;
  }

  #current(turn: Turn): boolean {
    return this.turns.get(turn.conversationId ?? NEW) === turn;
  }

  async #run(turn: Turn, call: Call): Promise<void> {
    // A new chat's conversation must appear in the list as soon as it is
    // saved; a listed one's reloads can wait for the turn's end.
    const release = turn.conversationId === null ? null : this.history.holdReloads();
    try {
      await this.#turn(turn, call);
    } finally {
      release?.();
    }
  }

  async #turn(turn: Turn, call: Call): Promise<void> {
    const user = this.#user;
    const result = await guard(() => call((event) => this.#onEvent(turn, event)));
    if (user !== this.#user) return;
    this.#flush(turn);
    if (result.status === 'ok') {
      const outcome = result.data;
      if (turn.conversationId === null) this.#saved(turn, outcome.conversationId, outcome.userMessageId);
      turn.userMessageId ??= outcome.userMessageId;
      turn.assistantId ??= outcome.assistantMessageId;
      turn.status = outcome.status;
      if (outcome.status === 'error' && !turn.error) this.#fail(turn, { code: 'server', message: '' });
    } else if (!turn.error) {
      this.#fail(turn, result.error);
    }
    turn.phase = 'ended';
    turn.stopping = false;
    const id = turn.conversationId;
    if (id === null) return;
    await this.history.refreshConversation(id);
    if (this.history.current?.id === id) this.prune(id, this.history.current.messages);
    else if (this.#current(turn) && !turn.error) this.turns.delete(id);
  }

  #onEvent(turn: Turn, event: ChatEvent): void {
    if (turn.phase === 'ended') return;
    switch (event.event) {
      case 'saved':
        this.#saved(turn, event.data.conversationId, event.data.userMessageId);
        break;
      case 'started':
        this.#rowKeys.set(event.data.messageId, `local-reply-${turn.seq}`);
        turn.assistantId = event.data.messageId;
        turn.model = event.data.model === '' ? null : event.data.model;
        turn.phase = 'streaming';
        break;
      case 'delta':
        turn.unshown += event.data.text;
        turn.phase = 'streaming';
        this.#scheduleFlush(turn);
        break;
      case 'usage':
        break;
      case 'done':
        this.#flush(turn);
        turn.status = event.data.status;
        turn.phase = 'ended';
        break;
      case 'error':
        this.#flush(turn);
        this.#fail(turn, event.data);
        turn.phase = 'ended';
        break;
    }
  }

  #saved(turn: Turn, conversationId: string, userMessageId: string): void {
    // Only a question drawn live (send, edit) had a key of its own.
    if (turn.userText !== null) this.#rowKeys.set(userMessageId, `local-question-${turn.seq}`);
    turn.userMessageId = userMessageId;
    if (turn.conversationId === null) {
      turn.conversationId = conversationId;
      if (this.turns.get(NEW) === turn) {
        this.turns.delete(NEW);
        this.turns.set(conversationId, turn);
        // Still on the new chat that sent it: show the conversation it now is.
        if (this.history.current === null) {
          this.#focusOnOpen = conversationId;
          void this.history.openConversation(conversationId);
        }
      }
    }
    if (turn.stopping) void this.backend.stopChat(conversationId);
  }

  #fail(turn: Turn, error: ChatError): void {
    turn.error = { code: error.code, message: error.message };
    turn.status = 'error';
    if (error.code === 'quota_exceeded') this.#onQuotaExceeded();
  }

  #scheduleFlush(turn: Turn): void {
    if (turn.flushing) return;
    turn.flushing = true;
    this.#frame(() => this.#flush(turn));
  }

  #flush(turn: Turn): void {
    turn.flushing = false;
    if (turn.unshown === '') return;
    turn.text += turn.unshown;
    turn.unshown = '';
  }
}
