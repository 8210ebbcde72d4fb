/**
 * Rewrites one service name into another in a file's text or path, picking for each occurrence
 * the spelling its context needs. The old name is one word ("docscale") or several, so a lowercase
 * occurrence can stand for the kebab or the snake form; which one the new name takes is decided
 * by what surrounds it, because both must stay valid where they are: a Kubernetes object name or
 * hostname cannot hold "_", a Postgres role, metric, recording rule or environment variable
 * cannot hold "-", and every file that names the same role or key must agree on one spelling.
 * One pass over the text, so a new name that contains the old one is not renamed twice.
 */
import type { ServiceName } from './service-name';

// After "<name>.", these start a file name or hostname (kebab); anything else after a dot is a
// metric, attribute or logger namespace (snake, as Prometheus renders dots).
const FILE_OR_HOST = /^\.(conf|rules|json|ya?ml|md|sh|ts|js|example|localtest|local|svc)\b/;
// Before the name on its line: it is a Postgres role or database, or a variable's value that code
// splices into SQL, all of which take the snake form. (The Redis ACL user keeps the kebab form:
// Redis allows it, and tests name it as a bare string.)
const ROLE_CONTEXT =
  /((^|[\s'"(,[])(-U|-d|--username|--dbname|ROLE|DATABASE|OWNER|TO|FROM)['",\s]+|\b[A-Z_]*(DB|USER|ROLE|SLOT|DATABASE|PASSWORD)[A-Z_]*\s*[=:]\s*['"]?)$/;
// A Postgres URL up to the name: its user, password and database are roles (snake), its host a
// DNS name (kebab, e.g. a Kubernetes Service).
const URL_START = /\b(postgres(ql)?):\/\/((\$\{[^}]*\}|\S)*)$/; // ${VAR:?message}: one piece
// After the name: "<name>:key" is a Redis key, recording rule or user:password (snake); an image
// tag, a prose colon or a URL scheme is not.
const SNAKE_AFTER = /^(_|:(?!\/\/|\s|$|local\b|latest\b)|(\|\w+)*\)_)/;
// A config value that spells the old name but names no service: the tracing mode `docscale`
// (TELEMETRY_TRACING: docscale, stock or off). A deployment's TELEMETRY_TRACING=docscale must
// keep working after a rename, so the value stays, and with it the mode's name in code, file
// names and prose. It is the key's value (TELEMETRY_TRACING=docscale), the name followed by
// "tracing" or "mode" (`'docscale' tracing`, docscale-tracing.ts, startDocscaleTracing), or the
// name quoted on a line that names tracing or the mode's sibling value `stock` (`tracing ===
// 'docscale'`, the enum, a docs table row).
const MODE_BEFORE = /TELEMETRY_TRACING['"]?\s*[=:]\s*['"]?$/;
const MODE_AFTER = /^['"`]?(?:[\s-]?[Tt]racing\b|Tracing|\s+mode\b)/;
const MODE_LINE = /tracing|['"`]stock['"`]/i;

function isTracingMode(line: string, before: string, after: string): boolean {
  if (MODE_BEFORE.test(before) || MODE_AFTER.test(after)) return true;
  return /['"`]$/.test(before) && /^['"`]/.test(after) && MODE_LINE.test(line);
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');

export function renamer(
  from: ServiceName,
  to: ServiceName,
): (text: string, path: string) => string {
  const forms = [...new Set([from.title, from.kebab, from.snake, from.upper, from.pascal])];
  // Longest first, so "acme-notes" is not matched as a shorter form inside it.
  forms.sort((a, b) => b.length - a.length);
  const pattern = new RegExp(forms.map(escape).join('|'), 'g');
  const titleLike = from.pascal === from.title;

  return (text, path) =>
    text.replace(pattern, (match: string, offset: number) => {
      const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
      const lineEnd = text.indexOf('\n', offset);
      const before = text.slice(lineStart, offset);
      const after = text.slice(offset + match.length, offset + match.length + 40);
      const line = text.slice(lineStart, lineEnd < 0 ? undefined : lineEnd);
      if (isTracingMode(line, before, after)) return match;
      const prev = before.endsWith('\\b') ? ' ' : before.slice(-1); // a regex's \b is a boundary
      const next = after.slice(0, 1);
      if (match === from.pascal && match !== from.upper) {
        // Inside an identifier (startDocscaleTracing, DocscaleLatencySLOFastBurn) or alone.
        if (/[a-z0-9]/.test(next)) return match;
        return titleLike && !/[A-Za-z0-9]/.test(prev + next) ? to.title : to.pascal;
      }
      if (match === from.title) return /[A-Za-z0-9]/.test(prev + next) ? match : to.title;
      if (/[A-Za-z0-9]/.test(prev) || /[A-Za-z0-9]/.test(next)) return match;
      if (match === from.upper) return to.upper;
      return lowercaseForm(to, before, after, path);
    });
}

function lowercaseForm(to: ServiceName, before: string, after: string, path: string): string {
  if (before.endsWith('@') && after.startsWith('/')) return to.kebab; // the @<name>/<lib> scope
  if (path.endsWith('.md') && /^# /.test(before)) return to.title; // a document's title
  const url = URL_START.exec(before)?.[3];
  if (url !== undefined) {
    // "<name>:" before a password or "<name>@" is the user; "<name>:5432" is a host and port.
    const inUserInfo = !url.includes('@') && /^[\w-]*(@|:(?!\d+(\/|\s|$)))/.test(after);
    return url.includes('/') || inUserInfo ? to.snake : to.kebab;
  }
  if (/rediss?:\/\/$/.test(before)) return to.kebab; // the Redis ACL user
  if (before.endsWith('_') || SNAKE_AFTER.test(after)) return to.snake;
  if (after.startsWith('.') && !FILE_OR_HOST.test(after)) return to.snake;
  return ROLE_CONTEXT.test(before) ? to.snake : to.kebab;
}
