// The in-memory stand-in for the Rust side's attachments (backend-fake.ts
// holds one as `.attachments`): a pending set, files the next "dialog"
// returns, and a store of which files this device has. It follows the
// Rust rules the UI depends on: at most 6 pending files, 8,000,000 bytes
// each, refused files reported with `attachment_rejected`.
import type { Attachment, AttachmentId, ErrorBody, Outcome, PendingAttachments } from './backend';

const MAX_FILES = 6;
const MAX_BYTES = 8_000_000;

/** A file as the fake dialog offers it. */
export type FakeFile = Pick<Attachment, 'name' | 'type' | 'size'> & { pages?: number };

export class FakeAttachments {
  /** What the next `pickAttachments` returns (empty: the user cancelled). */
  nextPick: FakeFile[] = [{ name: 'rapport.pdf', type: 'application/pdf', size: 48_213, pages: 3 }];
  /** Files opened through `openAttachment`, by name. */
  opened: string[] = [];
  /** sha256s this device has (files attached here). */
  onDevice = new Set<string>();
  calls = { pick: 0, paste: 0, remove: 0, open: 0 };
  #items: { id: AttachmentId; attachment: Attachment }[] = [];
  #nextId = 1;
  #listeners = new Set<(p: PendingAttachments) => void>();
  #drag = new Set<(over: boolean) => void>();

  async pickAttachments(): Promise<Outcome<PendingAttachments>> {
    this.calls.pick += 1;
    return ok(this.#add(this.nextPick));
  }

  async attachPasted(name: string, bytes: Uint8Array): Promise<Outcome<PendingAttachments>> {
    this.calls.paste += 1;
    return ok(this.#add([{ name, type: 'image/png', size: bytes.length }]));
  }

  async removeAttachment(id: AttachmentId): Promise<PendingAttachments> {
    this.calls.remove += 1;
    this.#items = this.#items.filter((i) => i.id !== id);
    return this.#publish([]);
  }

  async pendingAttachments(): Promise<PendingAttachments> {
    return { items: [...this.#items], rejected: [] };
  }

  async openAttachment(sha256: string, name: string): Promise<Outcome<null>> {
    this.calls.open += 1;
    if (!this.onDevice.has(sha256)) {
      return { status: 'error', error: { code: 'not_on_device', message: 'this file is not on this device' } };
    }
    this.opened.push(name);
    return ok(null);
  }

  async attachmentsOnDevice(): Promise<Outcome<string[]>> {
    return ok([...this.onDevice]);
  }

  onAttachmentsChanged(listener: (p: PendingAttachments) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  onFileDrag(listener: (over: boolean) => void): () => void {
    this.#drag.add(listener);
    return () => this.#drag.delete(listener);
  }

  /** Plays files dragged over the window (true) or leaving it (false). */
  drag(over: boolean): void {
    for (const listener of this.#drag) listener(over);
  }

  /** The pending files of `ids`, taken for a message (as sending does). */
  take(ids: AttachmentId[]): Attachment[] {
    const taken = this.#items.filter((i) => ids.includes(i.id)).map((i) => i.attachment);
    if (taken.length > 0) {
      this.#items = this.#items.filter((i) => !ids.includes(i.id));
      this.#publish([]);
    }
    return taken;
  }

  #add(files: FakeFile[]): PendingAttachments {
    const rejected: ErrorBody[] = [];
    for (const file of files) {
      if (this.#items.length >= MAX_FILES) {
        rejected.push(refusal(`at most ${MAX_FILES} files can be attached to one message`));
      } else if ((file.size ?? 0) > MAX_BYTES) {
        rejected.push(refusal(`“${file.name}” is ${file.size} bytes; a file can be at most ${MAX_BYTES} bytes`));
      } else {
        const sha256 = fakeSha(file.name, this.#nextId);
        this.onDevice.add(sha256);
        this.#items.push({
          id: this.#nextId++,
          attachment: { name: file.name, type: file.type, size: file.size, sha256, pages: file.pages ?? null, chars: null },
        });
      }
    }
    return this.#publish(rejected);
  }

  #publish(rejected: ErrorBody[]): PendingAttachments {
    const state = { items: [...this.#items], rejected };
    for (const listener of this.#listeners) listener(state);
    return state;
  }
}

function ok<T>(data: T): Outcome<T> {
  return { status: 'ok', data };
}

function refusal(message: string): ErrorBody {
  return { code: 'attachment_rejected', message };
}

/** 64 hex digits, distinct per file. */
function fakeSha(name: string, n: number): string {
  let hash = n;
  for (const char of name) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash.toString(16).padStart(8, '0').repeat(8);
}
