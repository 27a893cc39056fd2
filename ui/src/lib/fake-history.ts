// An in-memory history behind the fake Backend's history calls, for Vitest
// and `npm run dev` in a plain browser. It behaves like the Rust side: every
// call is `unauthorized` when signed out, titles are checked like
// `ConversationTitle`, edits made offline stay `pending` until a sync,
// search returns snippet parts (never markup), and every change is emitted
// to `onHistoryChanged` / `onSyncChanged` listeners. Dialog and export calls
// are only recorded. Test helpers are the public non-Backend methods.
import type {
  CacheNotice,
  ConversationItem,
  ErrorBody,
  ErrorCode,
  ExportFormat,
  FileDialogRequest,
  ImportReport,
  MessageItem,
  Outcome,
  SearchHit,
  SnippetPart,
  SyncStatus,
} from './backend';
import { checkTitle } from './history/title';

export type HistoryCall =
  | 'listConversations'
  | 'conversationMessages'
  | 'searchHistory'
  | 'renameConversation'
  | 'deleteConversation'
  | 'syncHistory'
  | 'syncStatus'
  | 'exportConversation'
  | 'exportHistory'
  | 'importHistory'
  | 'chooseSavePath'
  | 'chooseOpenPath';

/** The fake's storage shape for one conversation (not a wire type). */
export interface FakeConversation {
  id: string;
  title: string;
  lastActivity: string;
  pending?: boolean;
  messages: MessageItem[];
}

export interface FakeHistoryOptions {
  conversations?: FakeConversation[];
  /** The server cannot be reached: sync reports `offline`, edits stay pending. */
  offline?: boolean;
  now?: () => Date;
}

export type RecordedExport =
  | { kind: 'conversation'; id: string; format: ExportFormat; path: string }
  | { kind: 'history'; path: string };

const SEARCH_LIMIT = 50;
const SNIPPET_BEFORE = 30;
const SNIPPET_LENGTH = 120;
const ZERO_CALLS = (): Record<HistoryCall, number> => ({
  listConversations: 0,
  conversationMessages: 0,
  searchHistory: 0,
  renameConversation: 0,
  deleteConversation: 0,
  syncHistory: 0,
  syncStatus: 0,
  exportConversation: 0,
  exportHistory: 0,
  importHistory: 0,
  chooseSavePath: 0,
  chooseOpenPath: 0,
});

function fail<T>(code: ErrorCode): Outcome<T> {
  return { status: 'error', error: { code, message: `fake ${code}` } };
}

function ok<T>(data: T): Outcome<T> {
  return { status: 'ok', data };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The words of `content` around the first match, split into hit and plain parts. */
export function snippetFor(content: string, words: string[]): SnippetPart[] {
  const flat = content.replace(/\s+/g, ' ');
  const lower = flat.toLowerCase();
  const first = Math.max(0, lower.indexOf(words[0] ?? ''));
  const start = Math.max(0, first - SNIPPET_BEFORE);
  const end = Math.min(flat.length, start + SNIPPET_LENGTH);
  const window = (start > 0 ? '…' : '') + flat.slice(start, end) + (end < flat.length ? '…' : '');
  const pattern = new RegExp(`(${words.map(escapeRegExp).join('|')})`, 'gi');
  return window
    .split(pattern)
    .filter((text) => text !== '')
    .map((text) => ({ text, hit: words.includes(text.toLowerCase()) }));
}

export class FakeHistory {
  offline: boolean;
  signedIn = false;
  status: SyncStatus = { state: 'inactive' };
  /** The next call of that name fails with this error (then it is cleared). */
  failNext: Partial<Record<HistoryCall, ErrorBody>> = {};
  calls = ZERO_CALLS();
  exports: RecordedExport[] = [];
  imports: string[] = [];
  dialogs: { kind: 'save' | 'open'; request: FileDialogRequest }[] = [];
  /** What the next file dialog answers; `undefined` picks a path from the request. */
  dialogAnswer: string | null | undefined = undefined;
  importReport: ImportReport = { conversationsAdded: 2, messagesAdded: 14, duplicatesSkipped: 3 };
  revision = 0;
  #conversations = new Map<string, FakeConversation>();
  #pendingDeletes = 0;
  #lastSyncedAt: string | null = null;
  #now: () => Date;
  #delay: () => Promise<void>;
  #syncListeners = new Set<(status: SyncStatus) => void>();
  #historyListeners = new Set<(revision: number) => void>();
  #noticeListeners = new Set<(notice: CacheNotice) => void>();

  constructor(options: FakeHistoryOptions = {}, delay: () => Promise<void> = () => Promise.resolve()) {
    this.offline = options.offline ?? false;
    this.#now = options.now ?? (() => new Date());
    this.#delay = delay;
    for (const conversation of options.conversations ?? []) this.addConversation(conversation);
  }

  // ---- Backend calls -------------------------------------------------------

  async listConversations(): Promise<Outcome<ConversationItem[]>> {
    const failed = await this.#begin<ConversationItem[]>('listConversations');
    if (failed) return failed;
    const items = [...this.#conversations.values()].map((c) => ({
      id: c.id,
      title: c.title,
      lastActivity: c.lastActivity,
      messageCount: c.messages.length,
      pending: c.pending ?? false,
    }));
    return ok(items.sort((a, b) => Date.parse(b.lastActivity) - Date.parse(a.lastActivity)));
  }

  async conversationMessages(id: string): Promise<Outcome<MessageItem[]>> {
    const failed = await this.#begin<MessageItem[]>('conversationMessages');
    if (failed) return failed;
    const conversation = this.#conversations.get(id);
    if (!conversation) return fail('not_found');
    return ok(conversation.messages.map((m) => ({ ...m, attachments: m.attachments.map((a) => ({ ...a })) })));
  }

  async searchHistory(query: string): Promise<Outcome<SearchHit[]>> {
    const failed = await this.#begin<SearchHit[]>('searchHistory');
    if (failed) return failed;
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    const hits: SearchHit[] = [];
    if (words.length === 0) return ok(hits);
    for (const conversation of this.#conversations.values()) {
      for (const message of conversation.messages) {
        const lower = message.content.toLowerCase();
        if (!words.every((word) => lower.includes(word))) continue;
        hits.push({
          conversationId: conversation.id,
          messageId: message.id,
          conversationTitle: conversation.title,
          snippet: snippetFor(message.content, words),
        });
        if (hits.length === SEARCH_LIMIT) return ok(hits);
      }
    }
    return ok(hits);
  }

  async renameConversation(id: string, title: string): Promise<Outcome<null>> {
    const failed = await this.#begin<null>('renameConversation');
    if (failed) return failed;
    const checked = checkTitle(title);
    if (!checked.ok) return fail('invalid_input');
    const conversation = this.#conversations.get(id);
    if (!conversation) return fail('not_found');
    conversation.title = checked.title;
    conversation.lastActivity = this.#now().toISOString();
    conversation.pending = this.offline;
    this.touch();
    return ok(null);
  }

  async deleteConversation(id: string): Promise<Outcome<null>> {
    const failed = await this.#begin<null>('deleteConversation');
    if (failed) return failed;
    if (!this.#conversations.delete(id)) return fail('not_found');
    if (this.offline) this.#pendingDeletes += 1;
    this.touch();
    return ok(null);
  }

  async syncHistory(): Promise<Outcome<SyncStatus>> {
    const failed = await this.#begin<SyncStatus>('syncHistory');
    if (failed) return failed;
    this.#sync();
    return ok(this.status);
  }

  async syncStatus(): Promise<SyncStatus> {
    this.calls.syncStatus += 1;
    await this.#delay();
    return this.status;
  }

  async exportConversation(id: string, format: ExportFormat, path: string): Promise<Outcome<null>> {
    const failed = await this.#begin<null>('exportConversation');
    if (failed) return failed;
    if (!this.#conversations.has(id)) return fail('not_found');
    this.exports.push({ kind: 'conversation', id, format, path });
    return ok(null);
  }

  async exportHistory(path: string): Promise<Outcome<null>> {
    const failed = await this.#begin<null>('exportHistory');
    if (failed) return failed;
    this.exports.push({ kind: 'history', path });
    return ok(null);
  }

  async importHistory(path: string): Promise<Outcome<ImportReport>> {
    const failed = await this.#begin<ImportReport>('importHistory');
    if (failed) return failed;
    this.imports.push(path);
    this.touch();
    return ok({ ...this.importReport });
  }

  chooseSavePath(request: FileDialogRequest): Promise<Outcome<string | null>> {
    return this.#dialog('save', request);
  }

  chooseOpenPath(request: FileDialogRequest): Promise<Outcome<string | null>> {
    return this.#dialog('open', request);
  }

  onSyncChanged(listener: (status: SyncStatus) => void): () => void {
    this.#syncListeners.add(listener);
    return () => this.#syncListeners.delete(listener);
  }

  onHistoryChanged(listener: (revision: number) => void): () => void {
    this.#historyListeners.add(listener);
    return () => this.#historyListeners.delete(listener);
  }

  onCacheNotice(listener: (notice: CacheNotice) => void): () => void {
    this.#noticeListeners.add(listener);
    return () => this.#noticeListeners.delete(listener);
  }

  // ---- Test helpers --------------------------------------------------------

  addConversation(conversation: FakeConversation): void {
    this.#conversations.set(conversation.id, {
      ...conversation,
      messages: conversation.messages.map((m) => ({ ...m })),
    });
  }

  hasConversation(id: string): boolean {
    return this.#conversations.has(id);
  }

  conversation(id: string): FakeConversation | undefined {
    return this.#conversations.get(id);
  }

  /** The id of the conversation holding that message (none when signed out). */
  conversationOf(messageId: string): string | null {
    if (!this.signedIn) return null;
    for (const c of this.#conversations.values()) if (c.messages.some((m) => m.id === messageId)) return c.id;
    return null;
  }

  /**
   * Someone signed in or out: sync reports where it stands (changes seeded
   * as pending stay pending until `syncHistory` or coming back online), or
   * stops (inactive).
   */
  setSignedIn(signedIn: boolean): void {
    if (signedIn === this.signedIn) return;
    this.signedIn = signedIn;
    if (signedIn) this.#sync(false);
    else this.emitSync({ state: 'inactive' });
  }

  /** The server became unreachable (or reachable again, which syncs). */
  setOffline(offline: boolean): void {
    this.offline = offline;
    if (this.signedIn) this.#sync();
  }

  /** Sets the sync status and tells every listener, as `syncChanged` does. */
  emitSync(status: SyncStatus): void {
    this.status = status;
    for (const listener of [...this.#syncListeners]) listener(status);
  }

  /** The cached history changed: tells every listener, as `historyChanged` does. */
  touch(): void {
    this.revision += 1;
    for (const listener of [...this.#historyListeners]) listener(this.revision);
  }

  /** The cache was found damaged and rebuilt, as `cacheNoticed` says. */
  noticeCacheRebuilt(): void {
    for (const listener of [...this.#noticeListeners]) listener({ kind: 'rebuilt' });
  }

  // ---- Internals -----------------------------------------------------------

  get #pending(): number {
    let count = this.#pendingDeletes;
    for (const conversation of this.#conversations.values()) {
      if (conversation.pending) count += 1;
      count += conversation.messages.filter((m) => m.pending).length;
    }
    return count;
  }

  /** What a sync does: offline keeps edits waiting; online sends them (when `push`). */
  #sync(push = true): void {
    if (this.offline) {
      this.emitSync({ state: 'offline', pending: this.#pending, lastSyncedAt: this.#lastSyncedAt });
      return;
    }
    if (!push) {
      this.#lastSyncedAt = this.#now().toISOString();
      this.emitSync({ state: 'synced', lastSyncedAt: this.#lastSyncedAt, pending: this.#pending });
      return;
    }
    const hadPending = this.#pending > 0;
    this.#pendingDeletes = 0;
    for (const conversation of this.#conversations.values()) {
      conversation.pending = false;
      for (const message of conversation.messages) message.pending = false;
    }
    this.#lastSyncedAt = this.#now().toISOString();
    this.emitSync({ state: 'synced', lastSyncedAt: this.#lastSyncedAt, pending: 0 });
    if (hadPending) this.touch();
  }

  async #dialog(kind: 'save' | 'open', request: FileDialogRequest): Promise<Outcome<string | null>> {
    const call = kind === 'save' ? 'chooseSavePath' : 'chooseOpenPath';
    this.calls[call] += 1;
    this.dialogs.push({ kind, request });
    await this.#delay();
    const forced = this.failNext[call];
    if (forced) {
      delete this.failNext[call];
      return { status: 'error', error: { ...forced } };
    }
    if (this.dialogAnswer !== undefined) return ok(this.dialogAnswer);
    return ok(`/home/demo/${request.defaultPath ?? 'backup.json'}`);
  }

  async #begin<T>(call: HistoryCall): Promise<Outcome<T> | null> {
    this.calls[call] += 1;
    await this.#delay();
    const forced = this.failNext[call];
    if (forced) {
      delete this.failNext[call];
      return { status: 'error', error: { ...forced } };
    }
    return this.signedIn ? null : fail('unauthorized');
  }
}
