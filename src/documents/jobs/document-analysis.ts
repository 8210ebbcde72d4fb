/**
 * The derived search data of a document that is computed in JavaScript: its word count and its
 * keywords (the most frequent words that are not stop words). The `tsvector` itself is computed
 * by Postgres (document-jobs.repository.ts), with the same text search configuration queries use.
 */

const STOP_WORDS = new Set(
  `a about above after again against all am an and any are as at be because been before being
  below between both but by can did do does doing down during each few for from further had has
  have having he her here hers herself him himself his how i if in into is it its itself just me
  more most my myself no nor not now of off on once only or other our ours ourselves out over own
  same she should so some such than that the their theirs them themselves then there these they
  this those through to too under until up very was we were what when where which while who whom
  why will with you your yours yourself yourselves`.split(/\s+/),
);

/** Letters and digits, with inner apostrophes and hyphens (don't, well-known). */
const WORD = /[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu;

export interface DocumentAnalysis {
  /** Words in the body. */
  wordCount: number;
  /** Up to `limit` words, most frequent first; ties in order of first appearance. */
  keywords: string[];
}

export function analyzeDocument(title: string, body: string, limit = 10): DocumentAnalysis {
  const counts = new Map<string, number>();
  const tally = (text: string): number => {
    let words = 0;
    for (const match of text.matchAll(WORD)) {
      words++;
      const word = match[0].toLowerCase();
      if (word.length < 3 || STOP_WORDS.has(word) || /^\p{N}+$/u.test(word)) continue;
      counts.set(word, (counts.get(word) ?? 0) + 1);
    }
    return words;
  };
  tally(title);
  const wordCount = tally(body);
  const keywords = [...counts.entries()]
    .sort((a, b) => b[1] - a[1]) // stable: ties keep their first-seen order
    .slice(0, limit)
    .map(([word]) => word);
  return { wordCount, keywords };
}
