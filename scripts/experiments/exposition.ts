/** `name{labels} value` lines of a Prometheus exposition, summed per name and label filter. */
export class Exposition {
  private readonly lines: string[];

  constructor(text: string) {
    this.lines = text.split('\n').filter((l) => l && !l.startsWith('#'));
  }

  values(name: string, labels: Record<string, string> = {}): number[] {
    return this.lines
      .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
      .filter((l) => Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)))
      .map((l) => Number(l.slice(l.lastIndexOf(' ') + 1)));
  }

  /** The distinct values a label takes on a metric's lines, e.g. every `db_pool`. */
  labelValues(name: string, label: string): string[] {
    const pattern = new RegExp(`[{,]${label}="([^"]*)"`);
    const found = this.lines.filter((l) => l.startsWith(`${name}{`));
    return [...new Set(found.map((l) => pattern.exec(l)?.[1]).filter((v) => v !== undefined))];
  }

  sum(name: string, labels: Record<string, string> = {}): number {
    return this.values(name, labels).reduce((a, b) => a + b, 0);
  }
}
