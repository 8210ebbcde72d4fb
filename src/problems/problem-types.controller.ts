import { Controller, Get, Header, Param } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiProblem } from '../openapi/api-responses';
import { projectRoot } from '../config/package-json';
import { ProblemTypeNotFoundError } from './problem.errors';

/** One row of a problem types table (docs/problems.md, a lib's README). */
interface ProblemType {
  slug: string;
  status: string;
  when: string;
  extra: string;
}

/** One markdown file's problem types table, by slug. */
export function readProblemTypes(markdown: string): Map<string, ProblemType> {
  const types = new Map<string, ProblemType>();
  for (const m of markdown.matchAll(
    /^\| `\/problems\/([a-z-]+)`\s*\|([^|]*)\|([^|]*)\|([^|]*)\|/gm,
  )) {
    types.set(m[1], { slug: m[1], status: m[2].trim(), when: m[3].trim(), extra: m[4].trim() });
  }
  return types;
}

/**
 * Every problem type, by slug: the app's rows in docs/problems.md and each lib's in its README
 * (a lib deleted from libs/ takes its rows with it). `root` is the repository, or the image's /app
 * (docker/Dockerfile keeps the libs' READMEs).
 */
export function loadProblemTypes(root: string): Map<string, ProblemType> {
  const libs = join(root, 'libs');
  const readmes = existsSync(libs)
    ? readdirSync(libs)
        .map((lib) => join(libs, lib, 'README.md'))
        .filter((path) => existsSync(path))
    : [];
  const types = new Map<string, ProblemType>();
  for (const file of [join(root, 'docs', 'problems.md'), ...readmes]) {
    for (const [slug, type] of readProblemTypes(readFileSync(file, 'utf8'))) types.set(slug, type);
  }
  return types;
}

const escape = (text: string) =>
  text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/**
 * Problem `type`s are `/problems/<slug>`, relative URIs: resolved against the API, each names this
 * page, which says what the problem means (RFC 9457 §3.1.1: a type URI should resolve to
 * documentation for humans).
 */
@ApiTags('problems')
@Controller('problems')
export class ProblemTypesController {
  private readonly types = loadProblemTypes(projectRoot());

  @Get(':slug')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @ApiOperation({
    operationId: 'getProblemType',
    summary: 'What a problem type means (the page its `type` URI names)',
  })
  @ApiParam({
    name: 'slug',
    example: 'version-mismatch',
    schema: { type: 'string', pattern: '^[a-z-]+$' },
  })
  @ApiProduces('text/html')
  @ApiResponse({
    status: 200,
    description: 'The problem type, described for people.',
    content: { 'text/html': { schema: { type: 'string' } } },
  })
  @ApiProblem(400, ['malformed-url'])
  @ApiProblem(404, ['not-found'])
  @ApiProblem(414)
  @ApiProblem(500)
  @ApiProblem(503, ['overloaded'])
  describe(@Param('slug') slug: string): string {
    const type = this.types.get(slug);
    if (type === undefined) throw new ProblemTypeNotFoundError(slug);
    const title = `/problems/${type.slug}`;
    return [
      '<!doctype html>',
      `<html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body>`,
      `<h1><code>${title}</code></h1>`,
      `<p>HTTP status ${escape(type.status)}</p>`,
      type.when && `<p>${escape(type.when)}</p>`,
      type.extra && `<p>Extra members: ${escape(type.extra)}</p>`,
      '<p>All problem types: docs/problems.md in the docscale repository.</p>',
      '</body></html>',
    ]
      .filter(Boolean)
      .join('\n');
  }
}
