// The chat half of the fake Backend, for Vitest and `npm run dev`. It acts
// like native-app: the user's message is stored in the fake history before
// the reply starts (`saved`), a scripted reply streams word by word on
// timers (`started`, `delta`s, `usage`), and the reply is stored when it
// ends (`complete`, `partial` when stopped, `error` when it fails after some
// text; a reply with no text is not stored), then `done` or `error`. One
// reply per conversation (`busy` otherwise). Tests script replies
// (`script`), make the next one fail (`failNext`, e.g. `quota_exceeded`) or
// hold a reply after a number of words (`pauseAfter` / `resume`). Given the
// fake billing, a finished reply spends its tokens from the user's quota,
// and a reply is refused with `quota_exceeded` once nothing is left.
import type {
  Attachment,
  ChatEvent,
  ChatOptions,
  ChatOutcome,
  ErrorCode,
  MessageItem,
  MessageStatus,
  Outcome,
} from './backend';
import type { FakeBilling } from './fake-billing';
import type { FakeHistory } from './fake-history';

export type ChatCall = 'sendMessage' | 'regenerateReply' | 'editAndResend' | 'stopChat' | 'chatModels';

export interface FakeChatOptions {
  /** The allow-list `chatModels` answers, default first. */
  models?: string[];
  /** Milliseconds between two words of a reply. */
  wordMs?: number;
}

/** A failure for the next reply: after `afterWords` words (0: before any text). */
export interface FakeChatFailure {
  code: ErrorCode;
  afterWords?: number;
}

type OnEvent = (event: ChatEvent) => void;

interface Running {
  stop(): void;
}

export const FAKE_MODELS = ['demo-echo', 'demo-large'];

/** The reply when none is scripted: a little of every kind of Markdown. */
export function defaultReply(question: string): string {
  return [
    `You asked: **${question.trim().slice(0, 80)}**. Here is a demo answer.`,
    '',
    '- a list item with `inline code`',
    '- a [link to the Tauri site](https://tauri.app)',
    '',
    '| Plan | Tokens |',
    '|:-----|-------:|',
    '| Free | 50,000 |',
    '| Pro  | 2,000,000 |',
    '',
    '```ts',
    'const greeting: string = "bonjour";',
    '```',
    '',
    'And some math: $e^{i\\pi} + 1 = 0$, and',
    '',
    '$$\\int_0^1 x^2\\,dx = \\frac{1}{3}$$',
  ].join('\n');
}

/** Words with the spaces after them, as a provider streams tokens. */
export function words(text: string): string[] {
  return text.match(/\s*\S+\s*/g) ?? [];
}

function fail<T>(code: ErrorCode): Outcome<T> {
  return { status: 'error', error: { code, message: `fake ${code}` } };
}

/** The first words of the first message, as native-app titles a new conversation. */
function provisionalTitle(text: string): string {
  const title = text.split(/\s+/).filter(Boolean).slice(0, 6).join(' ').slice(0, 60);
  return title === '' ? 'New chat' : title;
}

export class FakeChat {
  models: string[];
  wordMs: number;
  /** Replies to stream, in order; when empty, `defaultReply`. */
  replies: string[] = [];
  failNext: FakeChatFailure | null = null;
  /** `chatModels` fails with this error code. */
  modelsError: ErrorCode | null = null;
  /** Replies pause after this many words until `resume()`. */
  pauseAfter: number | null = null;
  calls: Record<ChatCall, number> = { sendMessage: 0, regenerateReply: 0, editAndResend: 0, stopChat: 0, chatModels: 0 };
  /** The options of every chat call, in order. */
  options: ChatOptions[] = [];
  #history: FakeHistory;
  #billing: FakeBilling | null;
  #running = new Map<string, Running>();
  #paused: (() => void)[] = [];
  #nextId = 1;

  constructor(history: FakeHistory, options: FakeChatOptions = {}, billing: FakeBilling | null = null) {
    this.#history = history;
    this.#billing = billing;
    this.models = options.models ?? [...FAKE_MODELS];
    this.wordMs = options.wordMs ?? 40;
  }

  // ---- Backend calls -------------------------------------------------------

  async sendMessage(
    conversationId: string | null,
    text: string,
    options: ChatOptions,
    onEvent: OnEvent,
    attachments: Attachment[] = [],
  ): Promise<Outcome<ChatOutcome>> {
    this.calls.sendMessage += 1;
    this.options.push(options);
    // With files, the text may be empty (as in Rust).
    const refused = this.#refuse(attachments.length > 0 ? '-' : text, conversationId);
    if (refused) return fail(refused);
    const id = conversationId ?? this.#newConversation(text || attachments[0]!.name);
    const userMessage = this.#store(id, 'user', text, 'complete', null, undefined, attachments);
    return this.#reply(id, userMessage, options, onEvent);
  }

  async regenerateReply(conversationId: string, options: ChatOptions, onEvent: OnEvent): Promise<Outcome<ChatOutcome>> {
    this.calls.regenerateReply += 1;
    this.options.push(options);
    const refused = this.#refuse('-', conversationId);
    if (refused) return fail(refused);
    const conversation = this.#history.conversation(conversationId)!;
    const lastUser = conversation.messages.map((m) => m.role).lastIndexOf('user');
    if (lastUser < 0) return fail('invalid_input');
    conversation.messages.splice(lastUser + 1);
    this.#history.touch();
    return this.#reply(conversationId, conversation.messages[lastUser]!.id, options, onEvent);
  }

  async editAndResend(messageId: string, text: string, options: ChatOptions, onEvent: OnEvent): Promise<Outcome<ChatOutcome>> {
    this.calls.editAndResend += 1;
    this.options.push(options);
    const conversationId = this.#history.conversationOf(messageId);
    if (conversationId === null) return fail(this.#history.signedIn ? 'not_found' : 'unauthorized');
    const refused = this.#refuse(text, conversationId);
    if (refused) return fail(refused);
    const conversation = this.#history.conversation(conversationId)!;
    const at = conversation.messages.findIndex((m) => m.id === messageId && m.role === 'user');
    if (at < 0) return fail('not_found');
    conversation.messages.splice(at);
    const userMessage = this.#store(conversationId, 'user', text, 'complete', null);
    return this.#reply(conversationId, userMessage, options, onEvent);
  }

  async stopChat(conversationId: string): Promise<void> {
    this.calls.stopChat += 1;
    this.#running.get(conversationId)?.stop();
  }

  async chatModels(): Promise<Outcome<string[]>> {
    this.calls.chatModels += 1;
    if (!this.#history.signedIn) return fail('unauthorized');
    if (this.modelsError) return fail(this.modelsError);
    return { status: 'ok', data: [...this.models] };
  }

  // ---- Test helpers --------------------------------------------------------

  /** Queues replies to stream, in order. */
  script(...replies: string[]): void {
    this.replies.push(...replies);
  }

  /** Lets paused replies go on (and stops pausing them). */
  resume(): void {
    this.pauseAfter = null;
    for (const go of this.#paused.splice(0)) go();
  }

  /** True while a reply streams in that conversation. */
  isRunning(conversationId: string): boolean {
    return this.#running.has(conversationId);
  }

  // ---- Internals -----------------------------------------------------------

  #refuse(text: string, conversationId: string | null): ErrorCode | null {
    if (!this.#history.signedIn) return 'unauthorized';
    if (text.trim() === '') return 'invalid_input';
    if (conversationId === null) return null;
    if (!this.#history.hasConversation(conversationId)) return 'not_found';
    return this.#running.has(conversationId) ? 'busy' : null;
  }

  #id(block: 'a' | 'b'): string {
    return `00000000-0000-4000-${block}000-${String(this.#nextId++).padStart(12, '0')}`;
  }

  #newConversation(text: string): string {
    const id = this.#id('b');
    this.#history.addConversation({ id, title: provisionalTitle(text), lastActivity: new Date().toISOString(), messages: [] });
    return id;
  }

  #store(
    conversationId: string,
    role: MessageItem['role'],
    content: string,
    status: MessageStatus,
    model: string | null,
    id = this.#id('a'),
    attachments: Attachment[] = [],
  ): string {
    const conversation = this.#history.conversation(conversationId)!;
    const now = new Date().toISOString();
    conversation.messages.push({
      id,
      conversationId,
      role,
      content,
      createdAt: now,
      attachments,
      status,
      model,
      pending: this.#history.offline,
    });
    conversation.lastActivity = now;
    this.#history.touch();
    return id;
  }

  #reply(conversationId: string, userMessageId: string, options: ChatOptions, onEvent: OnEvent): Promise<Outcome<ChatOutcome>> {
    const failure = this.#history.offline
      ? { code: 'offline' as const, afterWords: 0 }
      : this.#billing?.exhausted
        ? { code: 'quota_exceeded' as const, afterWords: 0 }
        : this.failNext;
    this.failNext = null;
    const question = this.#history.conversation(conversationId)!.messages.find((m) => m.id === userMessageId)?.content ?? '';
    const script = words(this.replies.shift() ?? defaultReply(question));
    const model = options.model ?? this.models[0] ?? 'demo-echo';
    const replyId = this.#id('a');
    onEvent({ event: 'saved', data: { conversationId, userMessageId } });
    return new Promise((resolve) => {
      let text = '';
      let sent = 0;
      let ended = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const end = (status: MessageStatus, error: ErrorCode | null) => {
        if (ended) return;
        ended = true;
        clearTimeout(timer);
        this.#running.delete(conversationId);
        const saved = text === '' ? null : this.#store(conversationId, 'assistant', text, status, model, replyId);
        if (saved === null) this.#history.touch();
        if (error) onEvent({ event: 'error', data: { code: error, message: `fake ${error}` } });
        else onEvent({ event: 'done', data: { status } });
        resolve({ status: 'ok', data: { conversationId, userMessageId, assistantMessageId: saved, status } });
      };
      const step = () => {
        if (ended) return;
        if (failure && sent >= (failure.afterWords ?? 0)) return end('error', failure.code);
        if (this.pauseAfter !== null && sent >= this.pauseAfter) {
          this.#paused.push(step);
          return;
        }
        const word = script[sent];
        if (word === undefined) {
          const completion = Math.max(1, Math.round(text.length / 4));
          onEvent({ event: 'usage', data: { prompt_tokens: 12, completion_tokens: completion, total_tokens: 12 + completion } });
          // As the gateway reports the remaining quota after each reply.
          this.#billing?.spend(12 + completion);
          return end('complete', null);
        }
        if (sent === 0) onEvent({ event: 'started', data: { messageId: replyId, model } });
        text += word;
        sent += 1;
        onEvent({ event: 'delta', data: { text: word } });
        timer = setTimeout(step, this.wordMs);
      };
      this.#running.set(conversationId, { stop: () => end('partial', null) });
      timer = setTimeout(step, this.wordMs);
    });
  }
}
