/**
 * Pattern regions in shared files. A line `// pattern:<name>:begin` (or `# …` in YAML, shell and
 * conf files, `<!-- … -->` in Markdown) opens a region that goes with the pattern and
 * `pattern:<name>:end` closes it. An optional `pattern:<name>:else` splits it: the lines after
 * `else` are commented out while the pattern is in (so the file works as it is) and are kept,
 * uncommented, when it goes: e.g. the pass-through call policy that replaces the breakers.
 *
 * One line can go on its own: a Markdown line holding `<!-- pattern:<name> -->` (a table row, whose
 * last cell hides the comment), or a line ending in `// pattern:<name>` or `# pattern:<name>`.
 *
 * Code that serves several patterns names them all, `pattern:breakers,rate-limit:begin` (or a
 * line ending in `// pattern:breakers,read-replicas`): it stays while any of them does, and goes
 * with the last. Removing one of them only drops its name from the markers, so whichever is
 * removed last finds a region of its own.
 *
 * A region marker is a whole line, so prose or a string that quotes the syntax is never taken for one.
 * Regions of other patterns inside a removed region go with it; a region of the same pattern
 * inside another is an error, as is any marker out of order: nothing is written when a file is
 * malformed (the caller checks every file before it touches one).
 */
const NAMES = '[a-z][a-z-]*(?:,[a-z][a-z-]*)*';
const MARKER = new RegExp(
  `^\\s*(\\/\\/|#|<!--)\\s*pattern:(${NAMES}):(begin|else|end)\\s*(-->)?\\s*$`,
);
const LINE_MARKER = new RegExp(
  `<!--\\s*pattern:(${NAMES})\\s*-->|\\S\\s*(?:\\/\\/|#)\\s*pattern:(${NAMES})\\s*$`,
);

/** The patterns a single line goes with (its line marker), if any. */
export function linePatterns(line: string): string[] | undefined {
  const m = LINE_MARKER.exec(line);
  return m ? (m[1] ?? m[2]).split(',') : undefined;
}

/** `line` with `name` gone from the pattern list of its marker (`a,b` → `b`). */
function withoutName(line: string, name: string): string {
  return line.replace(
    new RegExp(`(pattern:)(${NAMES})`),
    (_, prefix: string, list: string) =>
      prefix +
      list
        .split(',')
        .filter((n) => n !== name)
        .join(','),
  );
}

export type MarkerKind = 'begin' | 'else' | 'end';
type CommentStyle = '//' | '#' | '<!--';

interface Marker {
  style: CommentStyle;
  /** One pattern, or several that share the region (it goes with the last of them). */
  names: string[];
  kind: MarkerKind;
}

export class MarkerError extends Error {
  constructor(file: string, line: number, problem: string) {
    super(`${file}:${line}: ${problem}`);
    this.name = 'MarkerError';
  }
}

export function parseMarker(line: string): Marker | undefined {
  const m = MARKER.exec(line);
  if (!m || (m[1] === '<!--') !== (m[4] === '-->')) return undefined;
  return { style: m[1] as CommentStyle, names: m[2].split(','), kind: m[3] as MarkerKind };
}

/** The pattern names that have at least one marker in `text`. */
export function markedPatterns(text: string): Set<string> {
  const names = new Set<string>();
  if (!text.includes('pattern:')) return names;
  for (const line of text.split('\n')) {
    for (const name of parseMarker(line)?.names ?? linePatterns(line) ?? []) names.add(name);
  }
  return names;
}

/** `  // callPolicy: passThrough,` → `  callPolicy: passThrough,` (null when not commented). */
function uncomment(line: string, style: CommentStyle): string | null {
  if (line.trim() === '') return line;
  const pattern =
    style === '<!--'
      ? /^(\s*)<!-- ?(.*?) ?-->\s*$/
      : style === '//'
        ? /^(\s*)\/\/ ?(.*)$/
        : /^(\s*)# ?(.*)$/;
  const m = pattern.exec(line);
  return m ? m[1] + m[2] : null;
}

/**
 * `text` without the regions of pattern `name`; `regions` counts them (0: `text` is unchanged).
 * Throws MarkerError (naming `file` and the line) when the markers of `name` are out of order.
 */
export function removeRegions(
  text: string,
  name: string,
  file = '<text>',
): { text: string; regions: number } {
  const lines = text.split('\n');
  const kept: string[] = [];
  // `nested`: regions of the same pattern inside the one being removed (what a region several
  // patterns shared becomes once the others are gone): they go with it.
  let open: { style: CommentStyle; line: number; inElse: boolean; nested: number } | undefined;
  let regions = 0;
  let dropNextBlank = false;
  lines.forEach((line, index) => {
    const at = index + 1;
    const marker = parseMarker(line);
    const lineNames = marker ? undefined : linePatterns(line);
    const shared = (marker?.names ?? lineNames ?? []).length > 1;
    if (shared && !open && (marker?.names ?? lineNames)?.includes(name)) {
      // Another pattern still needs it: it stays, without this one's name (the last one's
      // removal checks the region's order).
      if (marker?.kind !== 'else' && marker?.kind !== 'end') regions++;
      kept.push(withoutName(line, name));
      return;
    }
    if (marker?.names.length === 1 && marker.names[0] === name) {
      if (open && !open.inElse && (marker.kind === 'begin' || open.nested > 0)) {
        if (marker.kind === 'begin') open.nested++;
        else if (marker.kind === 'end') open.nested--;
        return;
      }
      if (marker.kind === 'begin') {
        if (open)
          throw new MarkerError(
            file,
            at,
            `pattern:${name}:begin inside the region opened on line ${open.line}`,
          );
        open = { style: marker.style, line: at, inElse: false, nested: 0 };
      } else if (!open) {
        throw new MarkerError(file, at, `pattern:${name}:${marker.kind} without a begin`);
      } else if (marker.kind === 'else') {
        if (open.inElse) throw new MarkerError(file, at, `a second pattern:${name}:else`);
        open.inElse = true;
      } else {
        open = undefined;
        regions++;
        // The region's removal must not leave two blank lines where it stood.
        dropNextBlank = kept.length === 0 || kept[kept.length - 1].trim() === '';
      }
      return;
    }
    if (open && !open.inElse) return;
    if (!open && lineNames?.length === 1 && lineNames[0] === name) {
      regions++;
      return;
    }
    if (open?.inElse) {
      const restored = uncomment(line, open.style);
      if (restored === null) {
        throw new MarkerError(
          file,
          at,
          `the pattern:${name}:else part must be commented out (${open.style})`,
        );
      }
      kept.push(restored);
      dropNextBlank = false;
      return;
    }
    if (dropNextBlank && line.trim() === '' && index < lines.length - 1) {
      dropNextBlank = false;
      return;
    }
    dropNextBlank = false;
    kept.push(line);
  });
  if (open)
    throw new MarkerError(
      file,
      open.line,
      `pattern:${name}:begin is never closed by pattern:${name}:end`,
    );
  return { text: regions ? kept.join('\n') : text, regions };
}
