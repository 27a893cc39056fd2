// What a conversation shows while a chat turn runs (and just after): the
// stored messages, minus those the turn replaces (a regenerated reply, an
// edited message and what followed it), plus the turn's own question and
// reply until the stored copies arrive. Pure, so every phase is testable;
// rows keep the ids the backend gave them, so a stored message takes over
// its live row without a new DOM node.
import type { MessageItem, MessageStatus } from './backend';

/** The parts of a chat turn the rows depend on (see `Turn` in chat.svelte.ts). */
export interface TurnView {
  readonly seq: number;
  readonly kind: 'send' | 'regenerate' | 'edit';
  readonly userText: string | null;
  readonly editedId: string | null;
  readonly startedAt: string;
  readonly conversationId: string | null;
  readonly userMessageId: string | null;
  readonly assistantId: string | null;
  readonly model: string | null;
  readonly text: string;
  readonly phase: 'sending' | 'streaming' | 'ended';
  readonly status: MessageStatus | null;
}

export interface ChatRows {
  messages: MessageItem[];
  /** The row being streamed, if any. */
  streamingId: string | null;
  /** Rows that are not stored yet (no actions on them). */
  live: ReadonlySet<string>;
}

const NONE: ReadonlySet<string> = new Set();

export function chatRows(stored: MessageItem[], turn: TurnView | undefined): ChatRows {
  if (!turn) return { messages: stored, streamingId: null, live: NONE };
  let base = stored;
  if (turn.kind === 'edit' && turn.editedId !== null) {
    const at = base.findIndex((m) => m.id === turn.editedId);
    if (at >= 0) base = base.slice(0, at);
  }
  if (turn.kind === 'regenerate') {
    const lastUser = base.map((m) => m.role).lastIndexOf('user');
    base = base.filter((m, i) => i <= lastUser || m.id === turn.assistantId);
  }
  const has = (id: string | null) => id !== null && base.some((m) => m.id === id);
  const messages = [...base];
  const live = new Set<string>();
  const row = (id: string, role: MessageItem['role'], content: string, status: MessageStatus): MessageItem => ({
    id,
    conversationId: turn.conversationId ?? '',
    role,
    content,
    createdAt: turn.startedAt,
    attachments: [],
    status,
    model: role === 'assistant' ? turn.model : null,
    pending: false,
  });
  if (turn.userText !== null && !has(turn.userMessageId)) {
    const id = turn.userMessageId ?? `local-question-${turn.seq}`;
    messages.push(row(id, 'user', turn.userText, 'complete'));
    live.add(id);
  }
  let streamingId: string | null = null;
  const replying = turn.phase !== 'ended' || turn.text !== '';
  if (replying && !has(turn.assistantId)) {
    const id = turn.assistantId ?? `local-reply-${turn.seq}`;
    messages.push(row(id, 'assistant', turn.text, turn.status ?? 'complete'));
    live.add(id);
    if (turn.phase !== 'ended') streamingId = id;
  }
  return { messages, streamingId, live };
}
