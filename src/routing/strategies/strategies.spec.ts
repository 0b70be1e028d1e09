import { PriorityStrategy } from './priority.strategy';
import { ScoreStrategy } from './score.strategy';
import { WeightedStrategy } from './weighted.strategy';

const names = ['sendgrid', 'mailgun', 'smtp'];

describe('PriorityStrategy', () => {
  it('keeps MAIL_PROVIDERS order', async () => {
    expect(await new PriorityStrategy().order(names)).toEqual(names);
  });
});

describe('WeightedStrategy', () => {
  /** A repeatable random sequence, so the split is the same on every run. */
  const seeded = (seed: number) => () => {
    seed = (seed * 1664525 + 1013904223) % 2 ** 32;
    return seed / 2 ** 32;
  };

  it('puts each provider first in proportion to its weight', async () => {
    const strategy = new WeightedStrategy({ sendgrid: 3, mailgun: 1, smtp: 0 }, seeded(42));
    const firsts: Record<string, number> = { sendgrid: 0, mailgun: 0, smtp: 0 };
    for (let i = 0; i < 4000; i += 1) firsts[(await strategy.order(names))[0]] += 1;
    expect(firsts.sendgrid / 4000).toBeCloseTo(0.75, 1);
    expect(firsts.mailgun / 4000).toBeCloseTo(0.25, 1);
    expect(firsts.smtp).toBe(0);
  });

  it('always lists every provider, weight 0 last as a fallback', async () => {
    const strategy = new WeightedStrategy({ smtp: 0 }, seeded(7));
    for (let i = 0; i < 50; i += 1) {
      const order = await strategy.order(names);
      expect([...order].sort()).toEqual([...names].sort());
      expect(order[2]).toBe('smtp');
    }
  });

  it('treats unlisted providers as weight 1', async () => {
    const strategy = new WeightedStrategy({}, seeded(3));
    const firsts = new Set<string>();
    for (let i = 0; i < 200; i += 1) firsts.add((await strategy.order(names))[0]);
    expect(firsts).toEqual(new Set(names));
  });
});

describe('ScoreStrategy', () => {
  const withScores = (scores: Record<string, number>) => new ScoreStrategy({ current: async () => scores });

  it('puts the best score first', async () => {
    expect(await withScores({ sendgrid: 0.3, mailgun: 0.9, smtp: 0.6 }).order(names)).toEqual(['mailgun', 'smtp', 'sendgrid']);
  });

  it('keeps priority order between equal scores', async () => {
    expect(await withScores({ sendgrid: 1, mailgun: 1, smtp: 0.5 }).order(names)).toEqual(['sendgrid', 'mailgun', 'smtp']);
  });
});
