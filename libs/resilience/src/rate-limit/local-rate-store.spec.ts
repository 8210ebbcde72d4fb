import { LocalRateStore } from './local-rate-store';

const MS = 1000; // µs per ms

function store(options: { instances: number; maxKeys?: number }) {
  const clock = { nowUs: 5_000 * MS };
  const local = new LocalRateStore({ ...options, windowMs: 1000, nowUs: () => clock.nowUs });
  const admitted = (subject: string, n: number) =>
    Array.from({ length: n }, () => local.take(subject, 'writes', 10)).filter((d) => d.allowed)
      .length;
  return { local, clock, admitted };
}

describe('LocalRateStore', () => {
  it('admits this instance’s share of the limit', () => {
    const { local, admitted } = store({ instances: 3 });

    expect(local.shareOf(10)).toBe(3);
    expect(admitted('acme', 10)).toBe(3);
  });

  it('admits at least one request per window, however many instances share the limit', () => {
    const { local, admitted } = store({ instances: 50 });

    expect(local.shareOf(10)).toBe(1);
    expect(admitted('acme', 5)).toBe(1);
  });

  it('refills at the share’s rate on its clock', () => {
    const { clock, admitted } = store({ instances: 2 }); // 5 per s: T = 200 ms
    admitted('acme', 5);

    clock.nowUs += 199 * MS;
    expect(admitted('acme', 1)).toBe(0);
    clock.nowUs += 1 * MS;
    expect(admitted('acme', 5)).toBe(1);
    clock.nowUs += 1000 * MS;
    expect(admitted('acme', 10)).toBe(5);
  });

  it('keeps one bucket per subject, the least recently used dropped past maxKeys', () => {
    const { admitted } = store({ instances: 1, maxKeys: 2 });
    admitted('a', 10);
    admitted('b', 10);
    expect(admitted('a', 1)).toBe(0);

    admitted('c', 10); // drops b, the least recently used

    expect(admitted('a', 1)).toBe(0);
    expect(admitted('b', 10)).toBe(10);
  });
});
