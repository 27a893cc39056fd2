// Conversations for the fake history: a few across every sidebar group for
// `npm run dev`, and a very long one to see the virtualised list at work.
// Times are relative to `now`, so the groups always have something in them.
import type { Attachment, MessageItem, MessageStatus, Role } from './backend';
import type { FakeConversation } from './fake-history';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

/** A stable UUID-shaped id: `kind` picks the block, `n` the number. */
export function fakeId(kind: 'c' | 'm', n: number): string {
  const block = kind === 'c' ? '4000-8000' : '4000-9000';
  return `00000000-0000-${block}-${String(n).padStart(12, '0')}`;
}

interface Line {
  role: Role;
  content: string;
  status?: MessageStatus;
  attachments?: Attachment[];
  pending?: boolean;
}

let nextMessage = 1;

/** Builds a conversation whose messages are a minute apart, ending at `last`. */
export function conversation(n: number, title: string, last: Date, lines: Line[], pending = false): FakeConversation {
  const id = fakeId('c', n);
  const messages: MessageItem[] = lines.map((line, i) => ({
    id: fakeId('m', nextMessage++),
    conversationId: id,
    role: line.role,
    content: line.content,
    createdAt: new Date(last.getTime() - (lines.length - 1 - i) * 60_000).toISOString(),
    attachments: line.attachments ?? [],
    status: line.status ?? 'complete',
    model: line.role === 'assistant' ? 'demo-echo' : null,
    pending: line.pending ?? false,
  }));
  return { id, title, lastActivity: last.toISOString(), pending, messages };
}

/** A conversation of `count` alternating messages (5,000 shows the virtualised list). */
export function longConversation(n: number, last: Date, count: number): FakeConversation {
  const lines: Line[] = Array.from({ length: count }, (_, i) => ({
    role: i % 2 === 0 ? 'user' : 'assistant',
    content:
      i % 2 === 0
        ? `Question ${i / 2 + 1}: what comes after ${i}?`
        : `Answer ${(i + 1) / 2}: ${i + 1} comes after ${i}.${i % 7 === 1 ? '\nA second line, to vary the height.' : ''}`,
  }));
  return conversation(n, `Counting to ${count}`, last, lines);
}

/** The conversations `npm run dev` starts with. */
export function seedConversations(now: Date): FakeConversation[] {
  const ago = (ms: number) => new Date(now.getTime() - ms);
  return [
    conversation(1, 'Trip to Lyon', ago(20 * 60_000), [
      { role: 'user', content: 'Plan a weekend in Lyon for two, with a food market.' },
      {
        role: 'assistant',
        content:
          'Saturday:\n- Morning: Les Halles Paul Bocuse\n- Afternoon: Vieux Lyon and the traboules\n\nSunday:\n- Croix-Rousse market, then the Parc de la Tête d’Or.',
      },
    ]),
    conversation(
      2,
      'Budget spreadsheet',
      ago(2 * HOUR),
      [
        {
          role: 'user',
          content: 'Summarise this budget.',
          attachments: [{ name: 'budget-2025.csv', type: 'text/csv', size: 18_230 }],
          pending: true,
        },
        { role: 'assistant', content: 'Rent is 41% of spending; groceries 17%. The rest is spread th', status: 'partial' },
      ],
      true,
    ),
    conversation(3, 'Regex for e-mail addresses', ago(DAY + HOUR), [
      { role: 'user', content: 'Is <img src=x onerror=alert(1)> valid HTML?' },
      { role: 'assistant', content: 'It is valid markup, which is why the app shows it as text and never as HTML.' },
    ]),
    conversation(4, 'Bread recipe', ago(3 * DAY), [
      { role: 'user', content: 'A simple sourdough recipe, please.' },
      { role: 'assistant', content: 'The provider did not answer.', status: 'error' },
    ]),
    conversation(5, 'Learning French verbs', ago(5 * DAY), [
      { role: 'user', content: 'Conjugate « aller » in the present.' },
      { role: 'assistant', content: 'je vais\ntu vas\nil va\nnous allons\nvous allez\nils vont' },
    ]),
    conversation(6, 'Garden planning', ago(20 * DAY), [
      { role: 'user', content: 'What can I plant in March in a shaded garden?' },
      { role: 'assistant', content: 'Lettuce, spinach, peas and radishes cope with shade in early spring.' },
    ]),
    conversation(7, 'Cover letter draft', ago(90 * DAY), [
      { role: 'user', content: 'Help me write a cover letter for a library job.' },
      { role: 'assistant', content: 'Dear hiring committee,\n\nI am writing to apply for…' },
    ]),
  ];
}
