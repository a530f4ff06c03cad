import { describe, expect, it } from 'vitest';
import { formatReset, planReset } from '../../src/engine/reset.js';
import type { JobStateCounts } from '../../src/state/store.js';

const STATE: JobStateCounts = {
  userLinks: 12,
  groupLinks: 3,
  deletedLinks: 1,
  memberships: 40,
  sourceGroups: 3,
  pending: 2,
  cursors: ['groups.changeCursor', 'quarantine', 'users.changeCursor', 'users.lastFullReadAt', 'users.readCount', 'users.readConfig'],
};
const NONE = { links: false, cursors: false, escrow: false, quarantine: false };
const QUARANTINE = { until: '2026-01-01T01:00:00.000Z', reason: 'the target refused the credentials' };

describe('planReset', () => {
  it('--cursors clears the read cursors and the groups as last read, never the quarantine or the source-drop baseline', () => {
    const plan = planReset({ ...NONE, cursors: true }, STATE, QUARANTINE);
    expect(plan.parts).toEqual({ links: false, sourceGroups: true, cursors: ['groups.changeCursor', 'users.changeCursor', 'users.lastFullReadAt', 'users.readConfig'], escrow: false });
    expect(formatReset('app', plan, false)).toBe(
      'reset of job "app" would:\n' +
        '  - clear 4 read cursors (groups.changeCursor, users.changeCursor, users.lastFullReadAt, users.readConfig) and the 3 groups as last read: the next cycle reads users and groups in full\n' +
        'Nothing was changed. Run it again with --yes to do it.\n',
    );
  });

  it('--links forgets links and memberships and implies --cursors', () => {
    const plan = planReset({ ...NONE, links: true }, STATE);
    expect(plan.parts.links).toBe(true);
    expect(plan.parts.cursors).toContain('users.changeCursor');
    expect(plan.parts.escrow).toBe(false);
    const text = formatReset('app', plan, true);
    expect(text).toContain('  - forgot 12 user links and 3 group links (and 1 link of objects it deleted), and 40 recorded group memberships');
    expect(text).toContain('  - cleared 4 read cursors');
    expect(text).not.toContain('--yes');
  });

  it('--escrow and --quarantine clear those alone', () => {
    const plan = planReset({ ...NONE, escrow: true, quarantine: true }, STATE, QUARANTINE);
    expect(plan.parts).toEqual({ links: false, sourceGroups: false, cursors: ['quarantine'], escrow: true });
    const text = formatReset('app', plan, false);
    expect(text).toContain('clear 2 operations in escrow');
    expect(text).toContain(`lift the quarantine (until ${QUARANTINE.until}: ${QUARANTINE.reason})`);
  });

  it('says so when there is nothing of a kind to clear', () => {
    const empty: JobStateCounts = { userLinks: 0, groupLinks: 0, deletedLinks: 0, memberships: 0, sourceGroups: 0, pending: 0, cursors: [] };
    const plan = planReset({ links: true, cursors: true, escrow: true, quarantine: true }, empty);
    expect(plan.parts.cursors).toEqual([]);
    const text = formatReset('app', plan, false);
    expect(text).toContain('forget 0 user links and 0 group links, and 0 recorded group memberships');
    expect(text).toContain('no read cursor (there is none)');
    expect(text).toContain('no quarantine (the job is not quarantined)');
  });
});
