/** Deterministic, realistic-looking documents for seeding and load tests. */

const WORDS = (
  'the of and to in is that for it as with was on be by this are from at or an have which not ' +
  'but all can has were more one their will been would also there other into its about these ' +
  'service cache replica primary latency throughput request response queue worker index search ' +
  'document tenant version scaling pattern database redis postgres cluster shard partition lag ' +
  'consistency token stream write read load balancer instance process memory cpu budget report ' +
  'capacity growth experiment metric trace span sample error retry backoff circuit breaker limit ' +
  'rate window bucket shed drain shutdown rolling restart deploy container kubernetes autoscale ' +
  'invoice contract meeting roadmap design review incident postmortem runbook onboarding policy ' +
  'customer product release feature quarter planning budget hiring architecture migration audit'
).split(' ');
const TAGS = [
  'ops',
  'design',
  'finance',
  'legal',
  'draft',
  'final',
  'internal',
  'public',
  'q1',
  'q2',
  'q3',
  'q4',
  'review',
  'archive',
  'urgent',
  'team-a',
  'team-b',
  'customer',
  'security',
];

export interface GeneratedDocument {
  title: string;
  body: string;
  tags: string[];
}

export class DocumentGenerator {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): GeneratedDocument {
    const title = this.sentence(3 + this.int(6)).replace(/\.$/, '');
    const paragraphs = Array.from({ length: 1 + this.int(6) }, () =>
      Array.from({ length: 2 + this.int(5) }, () => this.sentence(6 + this.int(14))).join(' '),
    );
    const tags = [
      ...new Set(Array.from({ length: this.int(4) }, () => TAGS[this.int(TAGS.length)])),
    ];
    return { title, body: paragraphs.join('\n\n'), tags };
  }

  private sentence(words: number): string {
    const text = Array.from({ length: words }, () => this.word()).join(' ');
    return `${text[0].toUpperCase()}${text.slice(1)}.`;
  }

  /** Zipf-like: low indexes (common words) are drawn far more often than high ones. */
  private word(): string {
    const u = this.random();
    return WORDS[Math.floor(WORDS.length * u * u)];
  }

  private int(n: number): number {
    return Math.floor(this.random() * n);
  }

  /** mulberry32: tiny, fast, and repeatable for a given seed. */
  private random(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}
