// Splits Markdown into top-level chunks that render the same alone as
// together, so a streaming reply re-renders only its last chunk each frame
// and every finished chunk comes from the cache. A chunk ends at a blank
// line that is outside a fenced code block or a display-math block and is
// followed by an unindented line (an indented one continues a list item or
// an indented code block) that does not start a list item (the items of a
// list separated by blank lines make one loose list; split apart, they
// would render as several one-item lists). Reference-style link
// definitions apply across the whole text, so a text that has one is kept whole.

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const REFERENCE_DEFINITION = /^ {0,3}\[[^\]\n]+\]:\s*\S/m;
/** A bullet or ordered list item's first line (`- a`, `* a`, `+ a`, `1. a`, `1) a`). */
const LIST_ITEM = /^ {0,3}(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)/;
const MATH_OPENERS = [
  { open: '$$', close: '$$' },
  { open: '\\[', close: '\\]' },
] as const;

type Open = { kind: 'fence'; marker: string } | { kind: 'math'; close: string } | null;

function isBlank(line: string): boolean {
  return line.trim() === '';
}

/** The block a line opens (a code fence, or display math not closed on the same line). */
function opens(line: string): Open {
  const fence = FENCE.exec(line);
  if (fence?.[1]) {
    // A backtick fence's info string may not contain backticks.
    const marker = fence[1];
    if (marker.startsWith('`') && line.slice(fence[0].length).includes('`')) return null;
    return { kind: 'fence', marker };
  }
  const trimmed = line.trimStart();
  if (line.length - trimmed.length > 3) return null;
  for (const { open, close } of MATH_OPENERS) {
    if (trimmed.startsWith(open) && !trimmed.slice(open.length).includes(close)) return { kind: 'math', close };
  }
  return null;
}

function closes(open: NonNullable<Open>, line: string): boolean {
  if (open.kind === 'math') return line.includes(open.close);
  const fence = FENCE.exec(line);
  const marker = fence?.[1];
  return (
    marker !== undefined &&
    marker[0] === open.marker[0] &&
    marker.length >= open.marker.length &&
    line.slice(fence![0].length).trim() === ''
  );
}

/** The chunks of `source`, in order (blank lines between them dropped). */
export function splitBlocks(source: string): string[] {
  if (REFERENCE_DEFINITION.test(source)) return [source];
  const lines = source.split('\n');
  const chunks: string[] = [];
  let start = 0;
  let open: Open = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (open) {
      if (closes(open, line)) open = null;
      continue;
    }
    if (!isBlank(line)) {
      open = opens(line);
      continue;
    }
    // A blank line: the chunk ends here if the next text starts a new block.
    let next = i + 1;
    while (next < lines.length && isBlank(lines[next]!)) next++;
    if (next >= lines.length) break;
    const following = lines[next]!;
    if (following.startsWith(' ') || following.startsWith('\t') || LIST_ITEM.test(following)) {
      i = next - 1;
      continue;
    }
    const chunk = lines.slice(start, i).join('\n');
    if (chunk.trim() !== '') chunks.push(chunk);
    start = next;
    i = next - 1;
  }
  const rest = lines.slice(start).join('\n');
  if (rest.trim() !== '' || chunks.length === 0) chunks.push(rest);
  return chunks;
}
