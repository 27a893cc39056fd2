// The file names and filters the export and import dialogs propose.
import type { ExportFormat } from '../backend';

export const EXTENSIONS: Record<ExportFormat, string> = { markdown: 'md', json: 'json' };

/**
 * A file name from a conversation title: characters no file system accepts
 * (and control characters) become spaces, runs of spaces one dash, at most
 * 80 characters; "conversation" when nothing is left.
 */
export function exportFileName(title: string, format: ExportFormat): string {
  const base = title
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f<>:"/\\|?*]/gu, ' ')
    .trim()
    .replace(/\s+/gu, '-')
    .replace(/^\.+/u, '');
  const short = [...base].slice(0, 80).join('') || 'conversation';
  return `${short}.${EXTENSIONS[format]}`;
}

/** `native-ai-history-YYYY-MM-DD.json`, in the local date. */
export function backupFileName(now: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `native-ai-history-${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}.json`;
}
