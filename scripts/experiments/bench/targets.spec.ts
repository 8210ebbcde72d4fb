import { Sample } from './comparison';
import { roundRatio, Target } from './targets';

const sample = (rps: number, cpuUsPerReq: number): Sample => ({ rps, p99: 1, cpuUsPerReq });
const samples = new Map<string, Sample[]>([
  ['docscale', [sample(3000, 100), sample(2000, 150), sample(2500, 120)]],
  ['peer', [sample(1000, 300), sample(1000, 250), sample(500, 360)]],
]);
const target = (by?: Target['by']): Target => ({
  label: 't',
  numerator: 'docscale',
  denominator: 'peer',
  atLeast: 1,
  by,
});

describe('roundRatio', () => {
  it('takes the median of the round-by-round req/s ratios', () => {
    // rounds: 3.0, 2.0, 5.0
    expect(roundRatio(samples, target())).toBe(3);
  });

  it('compares CPU per request as how many times less the numerator spends', () => {
    // rounds: 300/100 = 3, 250/150 = 1.67, 360/120 = 3
    expect(roundRatio(samples, target('cpu'))).toBe(3);
  });

  it('is undefined when either side was not run', () => {
    expect(roundRatio(samples, { ...target(), denominator: 'missing' })).toBeUndefined();
  });
});
