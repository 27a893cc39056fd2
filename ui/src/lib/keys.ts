// Keyboard helpers shared by the text fields that send on Enter.

/**
 * True for a key press that belongs to an input method (IME) composition,
 * such as the Enter that commits Japanese or Chinese text: it must not send.
 * WebKit (the webview on macOS and Linux) ends the composition before that
 * keydown, so `isComposing` is already false there; `keyCode` 229 still marks it.
 */
export function isComposingKey(event: KeyboardEvent): boolean {
  // keyCode is deprecated, but it is the only signal WebKit gives here.
  return event.isComposing || event.keyCode === 229;
}
