import { describe, expect, it } from 'vitest';
import { ProducerRequestError, toRequest } from '../../lib/producer/handler.ts';
import { generatorOptions, currentHour } from '../../lib/producer/producer.ts';
import { GeneratorConfigSchema } from '../../lib/config.ts';

describe('producer requests', () => {
  it('turns a schedule tick into a batch over the day before it, seeded by the tick time', () => {
    const tick = {
      source: 'aws.events',
      'detail-type': 'Scheduled Event',
      time: '2026-11-22T10:00:00Z',
      detail: {},
    };
    const a = toRequest(tick, 5000);
    const b = toRequest({ ...tick, time: '2026-11-22T10:05:00Z' }, 5000);
    expect(a.generate).toMatchObject({ events: 5000, days: 1, end: '2026-11-22T10:00:00.000Z' });
    expect(a.generate!.seed).not.toBe(b.generate!.seed);
    expect(toRequest(tick, 5000)).toEqual(a);
  });

  it('defaults an empty payload to one generated batch', () => {
    expect(toRequest({}, 123)).toEqual({ generate: { events: 123 } });
  });

  it('rejects a bad payload with the field named', () => {
    expect(() => toRequest({ generate: { events: -1 } }, 1)).toThrow(ProducerRequestError);
    expect(() => toRequest({ generate: { events: -1 } }, 1)).toThrow(/generate\.events/);
    expect(() => toRequest({ lines: 'x' }, 1)).toThrow(/lines/);
    expect(() => toRequest({ nonsense: true }, 1)).toThrow(/invalid producer request/);
  });

  it('merges request fields over configured generator defaults', () => {
    const defaults = GeneratorConfigSchema.parse({ seed: 1, events: 10, days: 3 });
    const o = generatorOptions(
      defaults,
      { seed: 9, mess: { duplicate: 0 } },
      new Date('2026-11-22T10:42:00Z'),
    );
    expect(o).toMatchObject({ seed: 9, events: 10, days: 3, end: '2026-11-22T10:00:00.000Z' });
    expect(o.mess.duplicate).toBe(0);
    expect(o.mess.malformed_json).toBe(defaults.mess.malformed_json);
    expect(currentHour(new Date('2026-11-22T10:42:13.5Z'))).toBe('2026-11-22T10:00:00.000Z');
  });
});
