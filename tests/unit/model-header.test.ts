/**
 * Model headers (lib/engine/model.ts): what each key means and the mistakes that are refused
 * with the file named, before anything runs.
 */
import { describe, expect, it } from 'vitest';
import { defineModel } from '../helpers/pipeline-fakes.ts';

const partitioned = ['materialization: partition_overwrite', 'partitioned_by: dt'];

describe('model headers', () => {
  it('reads scope, cumulative and lookup as table → column maps and a list', () => {
    const m = defineModel(
      'gold/x',
      [
        ...partitioned,
        'depends_on: a, b, c',
        'scope: a.dt',
        'cumulative: b.snapshot_date',
        'lookup: c',
      ],
      'SELECT 1 AS n, dt FROM a',
    );
    expect(m.scope).toEqual({ a: 'dt' });
    expect(m.cumulative).toEqual({ b: 'snapshot_date' });
    expect(m.lookup).toEqual(['c']);
  });

  it('a cumulative input alone is enough for partition_overwrite', () => {
    const m = defineModel(
      'rfm/x',
      [...partitioned, 'depends_on: a', 'cumulative: a.dt'],
      'SELECT 1 AS n, dt FROM a',
    );
    expect(m.scope).toEqual({});
  });

  it.each([
    [
      'a lookup outside depends_on',
      [...partitioned, 'depends_on: a', 'scope: a.dt', 'lookup: b'],
      'athena/models/gold/x.sql: lookup names b, which is not in depends_on',
    ],
    [
      'a cumulative input outside depends_on',
      [...partitioned, 'depends_on: a', 'cumulative: b.dt'],
      'athena/models/gold/x.sql: cumulative names b, which is not in depends_on',
    ],
    [
      'one input given two ways',
      [...partitioned, 'depends_on: a', 'scope: a.dt', 'lookup: a'],
      'athena/models/gold/x.sql: a is given more than one of scope, cumulative and lookup',
    ],
    [
      'partition_overwrite with only a lookup',
      [...partitioned, 'depends_on: a', 'lookup: a'],
      'athena/models/gold/x.sql: partition_overwrite needs a scope',
    ],
    [
      'a lookup on a table model',
      ['materialization: table', 'depends_on: a', 'lookup: a'],
      'athena/models/gold/x.sql: scope, cumulative and lookup only apply to partition_overwrite models',
    ],
    [
      'window_days without a cumulative input',
      [...partitioned, 'depends_on: a', 'scope: a.dt', 'window_days: 7'],
      'athena/models/gold/x.sql: window_days applies to cumulative inputs, and there are none',
    ],
    [
      'a window_days that is not a whole number of days',
      [...partitioned, 'depends_on: a', 'cumulative: a.dt', 'window_days: 1.5'],
      'athena/models/gold/x.sql: bad model header (window_days:',
    ],
    [
      'a malformed cumulative entry',
      [...partitioned, 'depends_on: a', 'cumulative: a'],
      'athena/models/gold/x.sql: bad model header (cumulative.0: table.column)',
    ],
  ])('refuses %s', (_, header, message) => {
    expect(() => defineModel('gold/x', header, 'SELECT 1 AS n, dt FROM a')).toThrow(message);
  });
});
