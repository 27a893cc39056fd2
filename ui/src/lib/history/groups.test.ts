// Sidebar grouping: local calendar days (not 24-hour steps), the order
// within and between groups, and the edges (future times, unreadable ones).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConversationItem } from '../backend';
import { groupConversations, groupOf } from './groups';

function item(id: string, lastActivity: string): ConversationItem {
  return { id, title: id, lastActivity, messageCount: 1, pending: false };
}

const originalTz = process.env['TZ'];

afterEach(() => {
  process.env['TZ'] = originalTz;
});

describe('groupOf', () => {
  beforeEach(() => {
    process.env['TZ'] = 'Europe/Paris';
  });

  it('uses local midnight, not UTC', () => {
    // 00:30 in Paris on 15 June is 22:30 UTC on 14 June.
    const now = new Date('2025-06-15T10:00:00+02:00');
    expect(groupOf('2025-06-14T22:30:00Z', now)).toBe('today');
    expect(groupOf('2025-06-14T21:59:00Z', now)).toBe('yesterday');
  });

  it('counts calendar days across a daylight-saving change', () => {
    // Clocks went forward on 30 March 2025: that day had 23 hours.
    const now = new Date('2025-03-31T10:00:00+02:00');
    expect(groupOf('2025-03-30T00:30:00+01:00', now)).toBe('yesterday');
    // 24 h before Monday's midnight would wrongly take in Saturday 23:30.
    expect(groupOf('2025-03-29T23:30:00+01:00', now)).toBe('week');
  });

  it('puts the seventh day back in the week and the eighth in older', () => {
    const now = new Date('2025-06-15T10:00:00+02:00');
    expect(groupOf('2025-06-08T00:00:00+02:00', now)).toBe('week');
    expect(groupOf('2025-06-07T23:59:59+02:00', now)).toBe('older');
  });

  it('treats a future time as today and an unreadable one as older', () => {
    const now = new Date('2025-06-15T10:00:00+02:00');
    expect(groupOf('2025-06-16T09:00:00+02:00', now)).toBe('today');
    expect(groupOf('not a date', now)).toBe('older');
  });

  it('follows the time zone it runs in', () => {
    process.env['TZ'] = 'America/New_York';
    // 23:00 on 14 June in New York is already 15 June in UTC.
    const now = new Date('2025-06-15T10:00:00-04:00');
    expect(groupOf('2025-06-15T03:00:00Z', now)).toBe('yesterday');
  });
});

describe('groupConversations', () => {
  it('returns the non-empty groups in order, most recent first within each', () => {
    process.env['TZ'] = 'UTC';
    const now = new Date('2025-06-15T12:00:00Z');
    const groups = groupConversations(
      [
        item('old', '2025-01-01T00:00:00Z'),
        item('morning', '2025-06-15T08:00:00Z'),
        item('noon', '2025-06-15T11:59:00Z'),
        item('tuesday', '2025-06-10T09:00:00Z'),
      ],
      now,
    );
    expect(groups.map((g) => g.key)).toEqual(['today', 'week', 'older']);
    expect(groups[0]?.items.map((i) => i.id)).toEqual(['noon', 'morning']);
    expect(groups[1]?.items.map((i) => i.id)).toEqual(['tuesday']);
  });

  it('returns no groups for no conversations', () => {
    expect(groupConversations([], new Date())).toEqual([]);
  });
});
