// Sidebar grouping by last activity, in the local time zone: Today,
// Yesterday, Previous 7 days, Older. Pure, with "now" passed in, so tests
// pin the clock and the time zone's day boundaries (DST included).
import type { ConversationItem } from '../backend';

export const GROUPS = ['today', 'yesterday', 'week', 'older'] as const;
export type GroupKey = (typeof GROUPS)[number];

export interface ConversationGroup {
  key: GroupKey;
  items: ConversationItem[];
}

/** Local midnight `days` calendar days before `now`'s day (not `days * 24 h`: DST days are 23 or 25 h). */
function startOfDay(now: Date, days = 0): number {
  return new Date(now.getFullYear(), now.getMonth(), now.getDate() - days).getTime();
}

/** Which group a time falls in; a time in the future (clock skew) counts as today, an unreadable one as older. */
export function groupOf(lastActivity: string, now: Date): GroupKey {
  const time = Date.parse(lastActivity);
  if (Number.isNaN(time)) return 'older';
  if (time >= startOfDay(now)) return 'today';
  if (time >= startOfDay(now, 1)) return 'yesterday';
  if (time >= startOfDay(now, 7)) return 'week';
  return 'older';
}

/** The non-empty groups in display order, each most recent first. */
export function groupConversations(items: readonly ConversationItem[], now: Date): ConversationGroup[] {
  const buckets = new Map<GroupKey, ConversationItem[]>(GROUPS.map((key) => [key, []]));
  const sorted = [...items].sort((a, b) => (Date.parse(b.lastActivity) || 0) - (Date.parse(a.lastActivity) || 0));
  for (const item of sorted) buckets.get(groupOf(item.lastActivity, now))?.push(item);
  return GROUPS.map((key) => ({ key, items: buckets.get(key) ?? [] })).filter((group) => group.items.length > 0);
}
