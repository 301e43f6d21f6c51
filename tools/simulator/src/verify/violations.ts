/** Every rule the simulator checks; each violation names one of these. */
export const RULES = {
  'frames-valid': 'Every server frame is JSON that matches the protocol schema',
  'welcome-first': '`welcome` is the first frame of every connection, sent once, naming the newcomer',
  'presence-to-others': '`user:joined` / `user:left` reach every other member of the room',
  'presence-not-to-subject': 'Nobody is told that they themselves joined or left',
  'presence-only-to-members': 'Presence events reach members of that room only',
  'delivery-complete': 'Every `message` reaches every member of its room (missing deliveries)',
  'delivery-once': 'No member receives the same `message` twice (duplicated deliveries)',
  'delivery-in-order': 'Each member sees a room’s messages in `seq` order (out-of-order deliveries)',
  'sender-included': 'The sender receives its own `message`, before the `ack` of its `send`',
  'rooms-isolated': 'Nothing crosses rooms: no `message` reaches a connection outside its room (misrouted)',
  'seq-consistent': 'Every recipient sees the same `seq` for a message, the one its `ack` returned',
  'one-reply-per-id': 'Every frame with an `id` gets exactly one `ack` or `error`',
  'requests-accepted': 'Valid requests are not refused, connections open and stay open',
  'errors-correct':
    'Invalid requests (send to or leave a room one is not in) get `error` `not_in_room` and change nothing',
  'resume-recovered':
    'A dropped connection that comes back with its token within the resume window is resumed into its rooms, each `recovered: true`',
  'presence-across-drops':
    'A connection that resumes within the presence grace causes no `user:left` / `user:joined` (unless its node died)',
} as const;

export type Rule = keyof typeof RULES;

const MAX_EXAMPLES = 5;

/** Counts violations per rule, keeping a few concrete examples of each for the report. */
export class Violations {
  readonly counts: Partial<Record<Rule, number>> = {};
  readonly examples: Partial<Record<Rule, string[]>> = {};

  add(rule: Rule, example: string, count = 1): void {
    if (count <= 0) return;
    this.counts[rule] = (this.counts[rule] ?? 0) + count;
    const list = this.examplesOf(rule);
    if (list.length < MAX_EXAMPLES) list.push(example);
  }

  merge(other: { counts: Partial<Record<Rule, number>>; examples: Partial<Record<Rule, string[]>> }): void {
    for (const rule of Object.keys(other.counts) as Rule[]) {
      const examples = other.examples[rule] ?? [];
      this.counts[rule] = (this.counts[rule] ?? 0) + (other.counts[rule] ?? 0);
      const list = this.examplesOf(rule);
      for (const e of examples) if (list.length < MAX_EXAMPLES) list.push(e);
    }
  }

  private examplesOf(rule: Rule): string[] {
    const list = this.examples[rule] ?? [];
    this.examples[rule] = list;
    return list;
  }

  get total(): number {
    return Object.values(this.counts).reduce((a, b) => a + (b ?? 0), 0);
  }

  toJSON(): { counts: Partial<Record<Rule, number>>; examples: Partial<Record<Rule, string[]>> } {
    return { counts: this.counts, examples: this.examples };
  }
}
