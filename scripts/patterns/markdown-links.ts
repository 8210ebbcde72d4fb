/**
 * Relative links in the project's Markdown, read the way GitHub renders them: a link inside a
 * fenced code block or an inline code span is not a link, and `page.md#anchor` names a heading
 * by GitHub's slug. Two readers share it: the docs test (test/deploy/docs.spec.ts), which fails on
 * a link to nothing, and pattern:remove, which turns each link a removal broke (to a deleted page
 * or source file, or to a heading that went with a region) into its plain text, so a page that
 * mentioned the pattern in passing still reads and no longer points nowhere.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';

/** A relative link found in a Markdown text: where it sits and what it points at. */
export interface MarkdownLink {
  /** Offset of the `[` in the text, and the length of `[text](target)`. */
  index: number;
  length: number;
  text: string;
  target: string;
  /** The target's path part, resolved from the project root ('' for `#anchor` on the same page). */
  path: string;
  anchor?: string;
}

const FENCE = /^\s*(```|~~~)/;
// A code span first, so a link quoted in backticks is passed over; then a link.
const SPAN_OR_LINK = /(`+)[\s\S]*?\1|\[([^\]]*)\]\(([^)\s]+)\)/g;
const EXTERNAL = /^[a-z][a-z0-9+.-]*:/i;

/** The text outside fenced code blocks and inline code spans: links and headings there are not. */
export function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}_\- ]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors of a Markdown text's headings, with GitHub's -1, -2 suffixes for repeats. */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const [, text] of prose(markdown).matchAll(/^#{1,6} +(.+?) *#*$/gm)) {
    const base = slug(text);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/**
 * The relative links of `markdown`, a file at `file` (from the project root); external links
 * (with a scheme) and links that leave the project are left out.
 */
export function relativeLinks(markdown: string, file: string): MarkdownLink[] {
  const links: MarkdownLink[] = [];
  let offset = 0;
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (FENCE.test(line)) fenced = !fenced;
    else if (!fenced) {
      for (const m of line.matchAll(SPAN_OR_LINK)) {
        const [whole, , text, target] = m;
        if (target === undefined || EXTERNAL.test(target)) continue;
        const [pathPart, anchor] = target.split('#', 2);
        const path = pathPart ? normalize(join(dirname(file), decodeURI(pathPart))) : file;
        if (path.startsWith('..')) continue;
        links.push({ index: offset + m.index, length: whole.length, text, target, path, anchor });
      }
    }
    offset += line.length + 1;
  }
  return links;
}

/** What is wrong with a link, in a project at `root`: a missing file or heading (else undefined). */
export function linkProblem(root: string, link: MarkdownLink): string | undefined {
  const full = join(root, link.path);
  if (!existsSync(full)) return 'no such file';
  if (link.anchor && link.path.endsWith('.md')) {
    if (!anchors(readFileSync(full, 'utf8')).has(link.anchor)) return 'no such heading';
  }
  return undefined;
}

/**
 * `markdown` with each link `broken` says yes to replaced by its text (`[the cache](cache.md)` →
 * `the cache`); `unlinked` counts them (0: the text is unchanged).
 */
export function unlink(
  markdown: string,
  file: string,
  broken: (link: MarkdownLink) => boolean,
): { text: string; unlinked: number } {
  let text = markdown;
  let unlinked = 0;
  // From the end, so the offsets of the links before stay right.
  for (const link of relativeLinks(markdown, file).reverse()) {
    if (!broken(link)) continue;
    text = text.slice(0, link.index) + link.text + text.slice(link.index + link.length);
    unlinked++;
  }
  return { text, unlinked };
}
