// Conversation history as the UI sees it. Told who is signed in
// (`setUser`), it loads the list from the local cache, reloads it on every
// `historyChanged`, tracks the sync status from `syncChanged`, holds the open
// conversation and its messages, and the search dialog's state. Deleting is
// undoable: the item disappears at once and `deleteConversation` is called
// only when the undo window ends (or the toast is dismissed). Signing out
// clears everything, dropping a delete still waiting for its undo window.
import type {
  Backend,
  ConversationItem,
  ErrorBody,
  ExportFormat,
  LaunchState,
  MessageItem,
  Outcome,
  SyncStatus,
} from './backend';
import { toErrorBody } from './errors';
import { backupFileName, EXTENSIONS, exportFileName } from './history/files';
import { groupConversations, type ConversationGroup } from './history/groups';
import { reuseRows } from './history/reuse';
import { checkTitle } from './history/title';
import { t } from './i18n';
import { SearchModel } from './search.svelte';
import { Toasts } from './toasts.svelte';

export type ListState = { kind: 'idle' } | { kind: 'loading' } | { kind: 'ready' } | { kind: 'failed'; error: ErrorBody };

export interface OpenConversation {
  id: string;
  state: 'loading' | 'ready' | 'failed';
  messages: MessageItem[];
  error: ErrorBody | null;
  /** A message to scroll to and highlight (a search hit); `seq` makes choosing it again count. */
  focus: { messageId: string; seq: number } | null;
}

/** Why a rename was refused: by the UI's own check, or by the backend. */
export type RenameError = { kind: 'empty' } | { kind: 'tooLong' } | { kind: 'control' } | { kind: 'backend'; error: ErrorBody };

export interface HistoryOptions {
  /** How long a deleted conversation can be brought back. */
  undoMs?: number;
  toastMs?: number;
  searchDebounceMs?: number;
  /** How long a routine sync runs before the sync line says so (`#applySync`). */
  syncQuietMs?: number;
  /** The clock for grouping (tests pin it). */
  now?: () => Date;
}

const CLOCK_MS = 60_000;
const NO_IDS: ReadonlySet<string> = new Set();

async function guard<T>(call: () => Promise<Outcome<T>>): Promise<Outcome<T>> {
  try {
    return await call();
  } catch (error) {
    return { status: 'error', error: toErrorBody(error) };
  }
}

export class HistoryModel {
  readonly backend: Backend;
  readonly toasts: Toasts;
  readonly search: SearchModel;
  readonly undoMs: number;
  /** The signed-in user's id, or null: nothing is loaded then. */
  user = $state<string | null>(null);
  conversations = $state.raw<ConversationItem[]>([]);
  list = $state.raw<ListState>({ kind: 'idle' });
  sync = $state.raw<SyncStatus>({ state: 'inactive' });
  current = $state.raw<OpenConversation | null>(null);
  /** The conversation whose undo toast is showing. */
  pendingDelete = $state.raw<ConversationItem | null>(null);
  /** Ids hidden from the list: waiting for undo, or being deleted. */
  hidden = $state.raw<ReadonlySet<string>>(NO_IDS);
  cacheRebuilt = $state(false);
  searchOpen = $state(false);
  exporting = $state(false);
  importing = $state(false);
  now = $state.raw<Date>(new Date());
  #clockFn: () => Date;
  #listRequest = 0;
  /** The list that came with the launch state, for its user's first load (`seed`). */
  #seeded: { user: string; items: ConversationItem[] } | null = null;
  #messagesRequest = 0;
  #focusSeq = 0;
  #syncVersion = 0;
  readonly #syncQuietMs: number;
  #syncShow: ReturnType<typeof setTimeout> | undefined;
  #reloading = false;
  #reloadAgain = false;
  /** Chat turns holding `historyChanged`'s reloads (`holdReloads`), and whether one was asked for meanwhile. */
  #holds = 0;
  #heldReload = false;
  #deleteTimer: ReturnType<typeof setTimeout> | undefined;
  #clock: ReturnType<typeof setInterval> | undefined;
  #unsubscribe: (() => void)[] = [];

  constructor(backend: Backend, options: HistoryOptions = {}) {
    this.backend = backend;
    this.undoMs = options.undoMs ?? 6000;
    this.toasts = new Toasts(options.toastMs);
    this.search = new SearchModel(backend, options.searchDebounceMs);
    this.#clockFn = options.now ?? (() => new Date());
    this.now = this.#clockFn();
    this.#syncQuietMs = options.syncQuietMs ?? 400;
  }

  /** The list as shown: without conversations waiting for their undo window. */
  get visible(): ConversationItem[] {
    return this.conversations.filter((c) => !this.hidden.has(c.id));
  }

  get groups(): ConversationGroup[] {
    return groupConversations(this.visible, this.now);
  }

  /** The open conversation's list entry (for its title), if it is still listed. */
  get currentItem(): ConversationItem | null {
    const id = this.current?.id;
    return id === undefined ? null : (this.conversations.find((c) => c.id === id) ?? null);
  }

  /** Subscribes to history's events. Call `setUser` for the session. */
  start(): void {
    if (this.#unsubscribe.length > 0) return;
    this.#unsubscribe = [
      this.backend.onSyncChanged((status) => this.#applySync(status)),
      this.backend.onHistoryChanged(() => {
        if (this.user !== null) this.#reloadSoon();
      }),
      this.backend.onCacheNotice((notice) => {
        if (notice.kind === 'rebuilt') this.cacheRebuilt = true;
      }),
    ];
    this.#clock = setInterval(() => (this.now = this.#clockFn()), CLOCK_MS);
  }

  stop(): void {
    for (const stop of this.#unsubscribe) stop();
    this.#unsubscribe = [];
    clearInterval(this.#clock);
    clearTimeout(this.#deleteTimer);
    clearTimeout(this.#syncShow);
  }

  /**
   * Shows a sync status. A routine sync (every saved message starts one)
   * usually ends within a few tens of milliseconds; saying "Syncing…" for
   * that long only made the line flicker, and cost the page two redraws at
   * the start and end of every chat turn (BENCHMARKS.md, main-thread
   * stalls). So such a sync shows only once it has run `syncQuietMs`; the
   * first sync, and every other state, show at once.
   */
  #applySync(status: SyncStatus): void {
    this.#syncVersion += 1;
    clearTimeout(this.#syncShow);
    if (status.state === 'syncing' && !status.first && this.sync.state === 'synced') {
      this.#syncShow = setTimeout(() => (this.sync = status), this.#syncQuietMs);
      return;
    }
    this.sync = status;
  }

  /**
   * Keeps the cached list that came with the launch state (`launchState`),
   * so the first load for its user shows it without another round trip.
   * Call it before the session is applied; any other load asks the backend.
   */
  seed(launch: LaunchState): void {
    const auth = launch.auth;
    this.#seeded =
      auth.status === 'signedIn' && launch.conversations !== null
        ? { user: auth.user.id, items: launch.conversations }
        : null;
  }

  /** Follows the session: loads for a new user, clears everything on sign-out. */
  setUser(user: string | null): void {
    if (user === this.user) return;
    const previous = this.user;
    this.user = user;
    if (previous !== null) this.#clear();
    if (user === null) {
      this.sync = { state: 'inactive' };
      return;
    }
    void this.reload();
    void this.#refreshSync();
  }

  /** Tells the backend the page drew the history `pageMs` after navigation start (startup-mark.ts). */
  reportVisible(pageMs: number): void {
    this.backend.historyVisible(pageMs).catch(() => undefined);
  }

  /** Reloads the list, and the open conversation's messages. */
  async reload(): Promise<void> {
    const open = this.current;
    if (open && open.state !== 'loading') void this.#loadMessages(open.id, open.focus, true);
    await this.#loadList();
  }

  /** After a chat turn: reloads the list and, if open, that conversation; resolves once both are shown. */
  async refreshConversation(id: string): Promise<void> {
    const open = this.current;
    const messages = open?.id === id ? this.#loadMessages(id, open.focus, open.state !== 'loading') : null;
    await Promise.all([this.#loadList(), messages]);
  }

  async #loadList(): Promise<void> {
    const user = this.user;
    const request = ++this.#listRequest;
    if (this.list.kind !== 'ready') this.list = { kind: 'loading' };
    const seeded = this.#seeded;
    this.#seeded = null;
    // The seeded list is applied in the same task, not after an `await`,
    // so a user set before the shell mounts has the list ready for it.
    const result: Outcome<ConversationItem[]> =
      seeded !== null && seeded.user === user
        ? { status: 'ok', data: seeded.items }
        : await guard(() => this.backend.listConversations());
    if (request !== this.#listRequest || user !== this.user) return;
    this.now = this.#clockFn();
    if (result.status === 'ok') {
      const next = reuseRows(this.conversations, result.data);
      if (next !== this.conversations) this.conversations = next;
      this.list = { kind: 'ready' };
    } else {
      this.list = { kind: 'failed', error: result.error };
    }
  }

  /** Opens a conversation; with `messageId`, scrolls to that message and highlights it. */
  openConversation(id: string, messageId?: string): Promise<void> {
    const focus = messageId === undefined ? null : { messageId, seq: ++this.#focusSeq };
    if (this.current?.id === id && this.current.state === 'ready') {
      this.#messagesRequest += 1;
      this.current = { ...this.current, focus };
      return this.#loadMessages(id, focus, true);
    }
    return this.#loadMessages(id, focus, false);
  }

  closeConversation(): void {
    this.#messagesRequest += 1;
    this.current = null;
  }

  async rename(id: string, title: string): Promise<RenameError | null> {
    const checked = checkTitle(title);
    if (!checked.ok) return { kind: checked.reason };
    const before = this.conversations.find((c) => c.id === id);
    if (before?.title === checked.title) return null;
    const result = await guard(() => this.backend.renameConversation(id, checked.title));
    if (result.status === 'error') return { kind: 'backend', error: result.error };
    // Shown at once; the reload that `historyChanged` brings confirms it.
    this.conversations = this.conversations.map((c) => (c.id === id ? { ...c, title: checked.title } : c));
    return null;
  }

  /** Hides the conversation and starts the undo window; a previous one ends now. */
  remove(id: string): void {
    const item = this.conversations.find((c) => c.id === id);
    if (!item || this.hidden.has(id)) return;
    if (this.pendingDelete) void this.commitDelete();
    this.pendingDelete = item;
    this.hidden = new Set([...this.hidden, id]);
    if (this.current?.id === id) this.closeConversation();
    this.#deleteTimer = setTimeout(() => void this.commitDelete(), this.undoMs);
  }

  /** Brings the conversation back; nothing was sent. */
  undoDelete(): void {
    const item = this.pendingDelete;
    if (!item) return;
    clearTimeout(this.#deleteTimer);
    this.pendingDelete = null;
    this.#unhide(item.id);
  }

  /** Ends the undo window now and deletes for good (the timer's expiry, or dismissing the toast). */
  async commitDelete(): Promise<void> {
    const item = this.pendingDelete;
    if (!item) return;
    clearTimeout(this.#deleteTimer);
    this.pendingDelete = null;
    const user = this.user;
    const result = await guard(() => this.backend.deleteConversation(item.id));
    if (user !== this.user) return;
    if (result.status === 'ok' || result.error.code === 'not_found') {
      this.conversations = this.conversations.filter((c) => c.id !== item.id);
    } else {
      this.toasts.show({ kind: 'failed', action: 'delete', error: result.error });
    }
    this.#unhide(item.id);
  }

  /** Syncs now (the Retry of a failed or offline status). */
  async retrySync(): Promise<void> {
    const result = await guard(() => this.backend.syncHistory());
    if (result.status === 'ok') {
      this.#syncVersion += 1;
      this.sync = result.data;
    }
    else this.toasts.show({ kind: 'failed', action: 'sync', error: result.error });
  }

  /** Asks where to save, then exports the open conversation there. */
  async exportCurrent(format: ExportFormat): Promise<void> {
    const open = this.current;
    if (!open || this.exporting) return;
    const name = this.currentItem?.title ?? '';
    await this.#withFlag('exporting', async () => {
      const filter = format === 'markdown' ? t('export.filter.markdown') : t('export.filter.json');
      const path = await this.#choose('save', {
        title: t('export.dialogTitle'),
        defaultPath: exportFileName(name, format),
        filters: [{ name: filter, extensions: [EXTENSIONS[format]] }],
      });
      if (path === null) return;
      const result = await guard(() => this.backend.exportConversation(open.id, format, path));
      if (result.status === 'ok') this.toasts.show({ kind: 'exported', path });
      else this.toasts.show({ kind: 'failed', action: 'export', error: result.error });
    });
  }

  /** Asks where to save, then writes every conversation to one JSON backup. */
  async exportAll(): Promise<void> {
    if (this.exporting) return;
    await this.#withFlag('exporting', async () => {
      const path = await this.#choose('save', {
        title: t('export.allDialogTitle'),
        defaultPath: backupFileName(this.#clockFn()),
        filters: [{ name: t('export.filter.json'), extensions: ['json'] }],
      });
      if (path === null) return;
      const result = await guard(() => this.backend.exportHistory(path));
      if (result.status === 'ok') this.toasts.show({ kind: 'exportedAll', path });
      else this.toasts.show({ kind: 'failed', action: 'export', error: result.error });
    });
  }

  /** Asks for a backup file and merges it in. */
  async importBackup(): Promise<void> {
    if (this.importing) return;
    await this.#withFlag('importing', async () => {
      const path = await this.#choose('open', {
        title: t('import.dialogTitle'),
        filters: [{ name: t('export.filter.json'), extensions: ['json'] }],
      });
      if (path === null) return;
      const result = await guard(() => this.backend.importHistory(path));
      if (result.status === 'ok') this.toasts.show({ kind: 'imported', report: result.data });
      else this.toasts.show({ kind: 'failed', action: 'import', error: result.error });
    });
  }

  openSearch(): void {
    if (this.user !== null) this.searchOpen = true;
  }

  closeSearch(): void {
    this.searchOpen = false;
  }

  /** Opens a search hit's conversation at that message and closes the dialog. */
  chooseHit(conversationId: string, messageId: string): void {
    this.searchOpen = false;
    void this.openConversation(conversationId, messageId);
  }

  dismissCacheNotice(): void {
    this.cacheRebuilt = false;
  }

  /**
   * Defers the reloads `historyChanged` asks for until the returned
   * function is called, which then makes one if any was asked for. A chat
   * turn in a listed conversation holds them: it draws its own question and
   * reply and reloads that conversation when it ends, so a reload meanwhile
   * (the sync storing the question) only redrew the list and the open
   * conversation among the turn's first frames, where every frame counts
   * (BENCHMARKS.md, main-thread stalls).
   */
  holdReloads(): () => void {
    this.#holds += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#holds -= 1;
      if (this.#holds > 0 || !this.#heldReload) return;
      this.#heldReload = false;
      if (this.user !== null) this.#reloadSoon();
    };
  }

  /**
   * While nothing holds reloads, a burst of `historyChanged` (a sync
   * applying batch after batch) costs one reload in flight and at most one
   * more after it, not one per event.
   */
  #reloadSoon(): void {
    if (this.#holds > 0) {
      this.#heldReload = true;
      return;
    }
    if (this.#reloading) {
      this.#reloadAgain = true;
      return;
    }
    this.#reloading = true;
    void this.reload().finally(() => {
      this.#reloading = false;
      if (!this.#reloadAgain) return;
      this.#reloadAgain = false;
      if (this.user !== null) this.#reloadSoon();
    });
  }

  async #refreshSync(): Promise<void> {
    const asked = this.#syncVersion;
    try {
      const status = await this.backend.syncStatus();
      // An event that landed meanwhile is newer.
      if (this.user !== null && asked === this.#syncVersion) this.sync = status;
    } catch {
      // `syncChanged` will tell.
    }
  }

  async #loadMessages(id: string, focus: OpenConversation['focus'], quiet: boolean): Promise<void> {
    const request = ++this.#messagesRequest;
    if (!quiet) this.current = { id, state: 'loading', messages: [], error: null, focus };
    const result = await guard(() => this.backend.conversationMessages(id));
    if (request !== this.#messagesRequest || this.current?.id !== id) return;
    if (result.status === 'ok') {
      const before = this.current;
      const messages = before.state === 'ready' ? reuseRows(before.messages, result.data) : result.data;
      // A reload that changed nothing leaves the open conversation as it is.
      if (before.state === 'ready' && messages === before.messages && before.error === null) return;
      this.current = { id, state: 'ready', messages, error: null, focus: before.focus };
    } else if (quiet && result.error.code === 'not_found') {
      // Deleted elsewhere since it was opened.
      this.current = null;
    } else if (!quiet) {
      this.current = { id, state: 'failed', messages: [], error: result.error, focus };
    }
  }

  async #choose(kind: 'save' | 'open', request: Parameters<Backend['chooseSavePath']>[0]): Promise<string | null> {
    const result = await guard(() =>
      kind === 'save' ? this.backend.chooseSavePath(request) : this.backend.chooseOpenPath(request),
    );
    if (result.status === 'ok') return result.data;
    this.toasts.show({ kind: 'failed', action: kind === 'save' ? 'export' : 'import', error: result.error });
    return null;
  }

  async #withFlag(flag: 'exporting' | 'importing', run: () => Promise<void>): Promise<void> {
    this[flag] = true;
    try {
      await run();
    } finally {
      this[flag] = false;
    }
  }

  #unhide(id: string): void {
    const next = new Set(this.hidden);
    next.delete(id);
    this.hidden = next;
  }

  #clear(): void {
    clearTimeout(this.#deleteTimer);
    clearTimeout(this.#syncShow);
    this.#listRequest += 1;
    this.#messagesRequest += 1;
    this.conversations = [];
    this.list = { kind: 'idle' };
    this.current = null;
    this.pendingDelete = null;
    this.hidden = NO_IDS;
    this.cacheRebuilt = false;
    this.#heldReload = false;
    this.searchOpen = false;
    this.search.reset();
    this.toasts.clear();
  }
}
