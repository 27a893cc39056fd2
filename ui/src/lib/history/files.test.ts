// File names proposed by the export dialogs, and the title check that runs
// before a rename reaches the backend.
import { describe, expect, it } from 'vitest';
import { backupFileName, exportFileName } from './files';
import { checkTitle, MAX_TITLE_CHARS } from './title';

describe('exportFileName', () => {
  it('makes a safe file name from a title', () => {
    expect(exportFileName('Trip to Lyon', 'markdown')).toBe('Trip-to-Lyon.md');
    expect(exportFileName('a/b\\c: "d"?', 'json')).toBe('a-b-c-d.json');
    expect(exportFileName('..hidden', 'json')).toBe('hidden.json');
    expect(exportFileName('  ', 'markdown')).toBe('conversation.md');
    expect(exportFileName('é'.repeat(100), 'json')).toBe(`${'é'.repeat(80)}.json`);
  });

  it('dates the backup in local time', () => {
    expect(backupFileName(new Date(2025, 0, 5, 23, 59))).toBe('native-ai-history-2025-01-05.json');
  });
});

describe('checkTitle', () => {
  it('tidies whitespace and bounds the length like ConversationTitle', () => {
    expect(checkTitle('  Trip \n to   Lyon ')).toEqual({ ok: true, title: 'Trip to Lyon' });
    expect(checkTitle(' \t\n')).toEqual({ ok: false, reason: 'empty' });
    expect(checkTitle('é'.repeat(MAX_TITLE_CHARS))).toMatchObject({ ok: true });
    expect(checkTitle('é'.repeat(MAX_TITLE_CHARS + 1))).toEqual({ ok: false, reason: 'tooLong' });
    expect(checkTitle('bell\u0007')).toEqual({ ok: false, reason: 'control' });
  });
});
