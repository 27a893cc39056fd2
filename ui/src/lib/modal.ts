// An attachment for modal overlays: moves focus into the dialog, keeps Tab
// inside it, closes on Escape or on a press on the backdrop, and gives focus
// back when the dialog closes: to `returnFocus()` if given (WebKit does not
// focus a button on click), else to whatever had focus when it opened.
import type { Attachment } from 'svelte/attachments';

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

function focusables(root: HTMLElement): HTMLElement[] {
  return Array.from(root.querySelectorAll<HTMLElement>(FOCUSABLE));
}

/** `overlay` is the element the attachment sits on: the backdrop around the dialog. */
export function modal(
  onclose: () => void,
  returnFocus?: () => HTMLElement | null | undefined,
): Attachment<HTMLElement> {
  return (overlay) => {
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const initial = overlay.querySelector<HTMLElement>('[data-autofocus]') ?? focusables(overlay)[0];
    initial?.focus();

    function onKeydown(event: KeyboardEvent) {
      if (event.key === 'Escape') {
        event.preventDefault();
        onclose();
        return;
      }
      if (event.key !== 'Tab') return;
      const items = focusables(overlay);
      const first = items[0];
      const last = items[items.length - 1];
      if (!first || !last) return;
      const active = document.activeElement;
      if (event.shiftKey && (active === first || !overlay.contains(active))) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && (active === last || !overlay.contains(active))) {
        event.preventDefault();
        first.focus();
      }
    }

    function onPointerdown(event: MouseEvent) {
      if (event.target === overlay) onclose();
    }

    document.addEventListener('keydown', onKeydown);
    overlay.addEventListener('mousedown', onPointerdown);
    return () => {
      document.removeEventListener('keydown', onKeydown);
      overlay.removeEventListener('mousedown', onPointerdown);
      const target = returnFocus?.() ?? previous;
      if (target?.isConnected) target.focus();
    };
  };
}
