// A conversation title as `native_core::ConversationTitle` accepts it:
// whitespace runs (pasted line breaks included) collapsed to one space,
// trimmed, 1 to 200 characters, no control characters. The UI checks first
// to say precisely what is wrong; the backend checks again in any case.

export const MAX_TITLE_CHARS = 200;

export type TitleCheck =
  | { ok: true; title: string }
  | { ok: false; reason: 'empty' | 'tooLong' | 'control' };

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;

export function checkTitle(raw: string): TitleCheck {
  const title = raw.split(/\s+/u).filter(Boolean).join(' ');
  if (title === '') return { ok: false, reason: 'empty' };
  if ([...title].length > MAX_TITLE_CHARS) return { ok: false, reason: 'tooLong' };
  if (CONTROL.test(title)) return { ok: false, reason: 'control' };
  return { ok: true, title };
}
