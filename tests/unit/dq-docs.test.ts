/** The README's list of checks is the catalogue's: every check, with its severity and kind. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CHECKS, checkId } from '../../lib/dq/checks.ts';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README: data quality', () => {
  it('lists every declared check with its kind and severity, and no check that is gone', () => {
    const rows = README.split('\n').filter((l) => /^\| \w+ +\| `[a-z_]+\.[a-z_]+`/.test(l));
    const listed = new Map(
      rows.map((l) => {
        const cells = l.split('|').map((c) => c.trim());
        return [cells[2]!.replace(/`/g, ''), { kind: cells[3], severity: cells[4] }];
      }),
    );
    expect([...listed.keys()].sort()).toEqual(CHECKS.map(checkId).sort());
    for (const c of CHECKS) {
      expect(listed.get(checkId(c)), checkId(c)).toEqual({ kind: c.kind, severity: c.severity });
    }
  });
});
