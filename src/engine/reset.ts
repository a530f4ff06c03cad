/**
 * `provisiond reset`: Entra's "restart provisioning" options — clear the watermark, the escrows,
 * the quarantine, or everything provisiond knows about the app. Pure: what to forget and how to
 * say it; the command holds the job's lease and the store does it in one transaction.
 */
import type { JobStateCounts } from '../state/store.js';
import { QUARANTINE_CURSOR, READ_COUNT_CURSOR } from './cycle.js';

export interface ResetFlags {
  /** Forget every user and group link and recorded membership (implies cursors). */
  readonly links: boolean;
  /** The next cycle reads users and groups in full. */
  readonly cursors: boolean;
  readonly escrow: boolean;
  readonly quarantine: boolean;
}

export interface ResetItem {
  /** Present and past tense of the one verb, for "would …" and for what was done. */
  readonly verb: readonly [would: string, did: string];
  readonly what: string;
}

export interface ResetPlan {
  readonly items: readonly ResetItem[];
  readonly parts: { readonly links: boolean; readonly sourceGroups: boolean; readonly cursors: readonly string[]; readonly escrow: boolean };
}

/**
 * Cursors that are not read positions: the quarantine (its own flag), and the size of the last
 * trusted full read, which the source-drop guard compares the next one with — forgetting it
 * would let one bad read through unchecked.
 */
const NOT_READ_CURSORS: ReadonlySet<string> = new Set([QUARANTINE_CURSOR, READ_COUNT_CURSOR]);

export function planReset(flags: ResetFlags, state: JobStateCounts, quarantine?: { readonly until: string; readonly reason: string }): ResetPlan {
  const items: ResetItem[] = [];
  const readCursors = state.cursors.filter((name) => !NOT_READ_CURSORS.has(name));
  const cursors = flags.links || flags.cursors;
  if (flags.links) {
    const deleted = state.deletedLinks > 0 ? ` (and ${plural(state.deletedLinks, 'link')} of objects it deleted)` : '';
    items.push({
      verb: ['forget', 'forgot'],
      what:
        `${plural(state.userLinks, 'user link')} and ${plural(state.groupLinks, 'group link')}${deleted}, and ${plural(state.memberships, 'recorded group membership')}: ` +
        'the next cycle finds each user and group in the app by the match rules and links it again instead of creating it',
    });
  }
  if (cursors) {
    items.push(
      readCursors.length > 0
        ? { verb: ['clear', 'cleared'], what: `${plural(readCursors.length, 'read cursor')} (${readCursors.join(', ')})${state.sourceGroups > 0 ? ` and the ${plural(state.sourceGroups, 'group')} as last read` : ''}: the next cycle reads users and groups in full` }
        : { verb: ['clear', 'cleared'], what: 'no read cursor (there is none): the next cycle reads in full anyway' },
    );
  }
  if (flags.escrow) {
    items.push({ verb: ['clear', 'cleared'], what: `${plural(state.pending, 'operation')} in escrow: the next cycle plans them afresh and sends them at once` });
  }
  if (flags.quarantine) {
    items.push(
      quarantine
        ? { verb: ['lift', 'lifted'], what: `the quarantine (until ${quarantine.until}: ${quarantine.reason}): scheduled cycles run again` }
        : { verb: ['lift', 'lifted'], what: 'no quarantine (the job is not quarantined)' },
    );
  }
  return {
    items,
    parts: {
      links: flags.links,
      sourceGroups: cursors,
      cursors: [...(cursors ? readCursors : []), ...(flags.quarantine && state.cursors.includes(QUARANTINE_CURSOR) ? [QUARANTINE_CURSOR] : [])],
      escrow: flags.escrow,
    },
  };
}

/** The plan as text: what it would do (dry run), or what it did. */
export function formatReset(job: string, plan: ResetPlan, done: boolean): string {
  const lines = plan.items.map((item) => `  - ${item.verb[done ? 1 : 0]} ${item.what}`);
  if (done) return `reset of job "${job}":\n${lines.join('\n')}\n`;
  return `reset of job "${job}" would:\n${lines.join('\n')}\nNothing was changed. Run it again with --yes to do it.\n`;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
