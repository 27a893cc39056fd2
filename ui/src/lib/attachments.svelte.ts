// The files waiting to go with the next question, as the composer shows
// them, and which files of the open conversation this device has. The Rust
// side owns the pending set (files dropped on the window arrive there
// without any call from here); this model mirrors its broadcasts. Paths
// never cross from the UI: picking opens the Rust side's dialog, and a
// pasted picture goes as bytes.
import type { Attachment, Backend, ErrorBody, Outcome, PendingAttachment, PendingAttachments } from './backend';
import { guard } from './errors';

export class AttachmentsModel {
  items = $state<PendingAttachment[]>([]);
  /** Why the last change refused files (one message per file). */
  rejected = $state<ErrorBody[]>([]);
  /** A dialog is open or files are being prepared. */
  busy = $state(false);
  /** Files are being dragged over the window. */
  dragging = $state(false);
  /** sha256s of the open conversation's files this device has. */
  onDevice = $state<ReadonlySet<string>>(new Set());
  readonly #backend: Backend;

  constructor(backend: Backend) {
    this.#backend = backend;
    backend.onAttachmentsChanged((pending) => this.#apply(pending));
    backend.onFileDrag((over) => (this.dragging = over));
  }

  /** The ids to send with the next question. */
  ids(): number[] {
    return this.items.map((item) => item.id);
  }

  async pick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      this.#settle(await guard(() => this.#backend.pickAttachments()));
    } finally {
      this.busy = false;
    }
  }

  /** Attaches pasted files (pictures); false when there were none to take. */
  paste(files: File[]): boolean {
    const pictures = files.filter((file) => file.type.startsWith('image/'));
    if (pictures.length === 0) return false;
    void this.#pastePictures(pictures);
    return true;
  }

  async remove(id: number): Promise<void> {
    this.#apply(await this.#backend.removeAttachment(id));
  }

  dismiss(): void {
    this.rejected = [];
  }

  /** Reads which of the conversation's files are on this device. */
  async loadOnDevice(conversationId: string): Promise<void> {
    const result = await guard(() => this.#backend.attachmentsOnDevice(conversationId));
    this.onDevice = new Set(result.status === 'ok' ? result.data : []);
  }

  /** Opens a file of history with the system's application. */
  async open(attachment: Attachment): Promise<void> {
    if (!attachment.sha256) return;
    const sha256 = attachment.sha256;
    const result = await guard(() => this.#backend.openAttachment(sha256, attachment.name));
    if (result.status === 'error') {
      if (result.error.code === 'not_on_device') {
        this.onDevice = new Set([...this.onDevice].filter((sha) => sha !== sha256));
      } else {
        this.rejected = [result.error];
      }
    }
  }

  async #pastePictures(pictures: File[]): Promise<void> {
    this.busy = true;
    try {
      for (const picture of pictures) {
        const bytes = await readBytes(picture);
        const name = picture.name && picture.name !== 'image.png' ? picture.name : pastedName(picture.type);
        this.#settle(await guard(() => this.#backend.attachPasted(name, bytes)));
      }
    } finally {
      this.busy = false;
    }
  }

  #settle(result: Outcome<PendingAttachments>): void {
    if (result.status === 'ok') this.#apply(result.data);
    else this.rejected = [result.error];
  }

  #apply(pending: PendingAttachments): void {
    this.items = pending.items;
    if (pending.rejected.length > 0) this.rejected = pending.rejected;
  }
}

/** A file's bytes, through FileReader (which every engine the UI runs in has). */
function readBytes(file: File): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(new Uint8Array(reader.result as ArrayBuffer));
    reader.onerror = () => reject(reader.error ?? new Error('the pasted file could not be read'));
    reader.readAsArrayBuffer(file);
  });
}

/** A pasted picture's name: the clipboard gives none worth keeping. */
function pastedName(type: string): string {
  const extension = type === 'image/jpeg' ? 'jpg' : (type.split('/')[1] ?? 'png');
  const stamp = new Date().toISOString().slice(0, 19).replace(/[T:]/g, '-');
  return `pasted-${stamp}.${extension}`;
}


/** "1.2 MB", "48 kB", "512 B": sizes as chips show them. */
export function formatSize(bytes: number | null): string {
  if (bytes === null) return '';
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${Math.round(bytes / 1000)} kB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}
