import { markedPatterns, MarkerError, parseMarker, removeRegions } from './markers';

// Markers are built from parts so that this file never holds a marker line of its own.
const ts = (name: string, kind: string) => `// pattern:${name}:${kind}`;
const md = (name: string, kind: string) => `<!-- pattern:${name}:${kind} -->`;
const sh = (name: string, kind: string) => `# pattern:${name}:${kind}`;

describe('removeRegions', () => {
  it('removes the lines between begin and end, markers included, and counts the region', () => {
    const text = ['a', ts('cache', 'begin'), 'b', ts('cache', 'end'), 'c', ''].join('\n');
    expect(removeRegions(text, 'cache')).toEqual({ text: 'a\nc\n', regions: 1 });
  });

  it('leaves the regions of other patterns and returns the text unchanged when none is found', () => {
    const text = ['a', ts('queue', 'begin'), 'b', ts('queue', 'end'), ''].join('\n');
    expect(removeRegions(text, 'cache')).toEqual({ text, regions: 0 });
  });

  it('keeps the else part uncommented, with its indentation, in each comment style', () => {
    const code = [
      '  ' + ts('breakers', 'begin'),
      '  policy: breakers,',
      '  ' + ts('breakers', 'else'),
      '  // policy: passThrough,',
      '  ' + ts('breakers', 'end'),
    ].join('\n');
    expect(removeRegions(code, 'breakers').text).toBe('  policy: passThrough,');
    const yaml = [
      sh('telemetry', 'begin'),
      'a: 1',
      sh('telemetry', 'else'),
      '# a: 2',
      sh('telemetry', 'end'),
    ];
    expect(removeRegions(yaml.join('\n'), 'telemetry').text).toBe('a: 2');
    const doc = [
      md('shedding', 'begin'),
      'old',
      md('shedding', 'else'),
      '<!-- new text -->',
      md('shedding', 'end'),
    ];
    expect(removeRegions(doc.join('\n'), 'shedding').text).toBe('new text');
  });

  it('removes a region of another pattern nested inside the removed one', () => {
    const text = [
      ts('telemetry', 'begin'),
      ts('cache', 'begin'),
      'x',
      ts('cache', 'end'),
      ts('telemetry', 'end'),
      'y',
    ];
    expect(removeRegions(text.join('\n'), 'telemetry').text).toBe('y');
    expect(removeRegions(text.join('\n'), 'cache').text).toBe(
      [ts('telemetry', 'begin'), ts('telemetry', 'end'), 'y'].join('\n'),
    );
  });

  it('does not leave two blank lines where a region stood between paragraphs', () => {
    const text = [
      'para 1',
      '',
      md('cache', 'begin'),
      'cache para',
      md('cache', 'end'),
      '',
      'para 2',
      '',
    ];
    expect(removeRegions(text.join('\n'), 'cache').text).toBe('para 1\n\npara 2\n');
  });

  it('names the file and line of a begin never closed, an end without begin, and a nested begin', () => {
    expect(() => removeRegions(['x', ts('cache', 'begin')].join('\n'), 'cache', 'a.ts')).toThrow(
      new MarkerError('a.ts', 2, 'pattern:cache:begin is never closed by pattern:cache:end'),
    );
    expect(() => removeRegions(ts('cache', 'end'), 'cache', 'a.ts')).toThrow(
      'a.ts:1: pattern:cache:end without a begin',
    );
    // A region inside another of the same pattern (once a shared region lost its other names)
    // goes with it; inside the else part, which stays, it is out of order.
    const nested = [
      ts('cache', 'begin'),
      ts('cache', 'begin'),
      ts('cache', 'end'),
      ts('cache', 'end'),
      'kept',
    ].join('\n');
    expect(removeRegions(nested, 'cache', 'a.ts').text).toBe('kept');
    const inElse = [ts('cache', 'begin'), ts('cache', 'else'), ts('cache', 'begin')].join('\n');
    expect(() => removeRegions(inElse, 'cache', 'a.ts')).toThrow(
      'a.ts:3: pattern:cache:begin inside the region',
    );
    expect(() => removeRegions(nested.replace(/\n[^\n]*end\nkept$/, ''), 'cache', 'a.ts')).toThrow(
      'a.ts:1: pattern:cache:begin is never closed',
    );
  });

  it('refuses an else part that is not commented out (the file would not work with the pattern in)', () => {
    const text = [
      ts('breakers', 'begin'),
      'a',
      ts('breakers', 'else'),
      'b',
      ts('breakers', 'end'),
    ].join('\n');
    expect(() => removeRegions(text, 'breakers', 'x.ts')).toThrow(
      'x.ts:4: the pattern:breakers:else part',
    );
  });
});

describe('line markers', () => {
  it('removes a Markdown table row holding the comment, and a line ending in a code comment', () => {
    const row = `| \`A\` | 1 <!-- pattern:${'shedding'} --> |`;
    const table = ['| key | default |', '| --- | --- |', row, '| `B` | 2 |'];
    expect(removeRegions(table.join('\n'), 'shedding')).toEqual({
      text: ['| key | default |', '| --- | --- |', '| `B` | 2 |'].join('\n'),
      regions: 1,
    });
    const code = [`  LOAD_SHEDDING: env.LOAD_SHEDDING, // pattern:shedding`, '  QUEUE: env.QUEUE,'];
    expect(removeRegions(code.join('\n'), 'shedding').text).toBe('  QUEUE: env.QUEUE,');
    expect(removeRegions(code.join('\n'), 'cache').regions).toBe(0);
    expect([...markedPatterns(code.join('\n'))]).toEqual(['shedding']);
  });
});

describe('regions several patterns share', () => {
  const code = [
    ts('breakers,rate-limit', 'begin'),
    'export class ResilienceModule {',
    '  breakers = 1; // pattern:breakers',
    '  limiter = 2; // pattern:rate-limit',
    '  toggles = 3; // pattern:breakers,rate-limit',
    '}',
    ts('breakers,rate-limit', 'else'),
    '// export const nothing = 0;',
    ts('breakers,rate-limit', 'end'),
    'done();',
  ].join('\n');

  it('keeps the region while another of its patterns stays, without the removed name', () => {
    expect(removeRegions(code, 'breakers').text.split('\n')).toEqual([
      ts('rate-limit', 'begin'),
      'export class ResilienceModule {',
      '  limiter = 2; // pattern:rate-limit',
      '  toggles = 3; // pattern:rate-limit',
      '}',
      ts('rate-limit', 'else'),
      '// export const nothing = 0;',
      ts('rate-limit', 'end'),
      'done();',
    ]);
  });

  it('removes it with the last of them, in either order', () => {
    const last = ['export const nothing = 0;', 'done();'].join('\n');
    const one = removeRegions(code, 'breakers').text;
    expect(removeRegions(one, 'rate-limit').text).toBe(last);
    const other = removeRegions(code, 'rate-limit').text;
    expect(removeRegions(other, 'breakers').text).toBe(last);
    expect([...markedPatterns(code)].sort()).toEqual(['breakers', 'rate-limit']);
  });
});

describe('parseMarker', () => {
  it('takes only a whole line for a marker, never prose or a string quoting one', () => {
    expect(parseMarker(`  ${ts('cache', 'begin')}`)).toEqual({
      style: '//',
      names: ['cache'],
      kind: 'begin',
    });
    expect(parseMarker(`'${ts('cache', 'begin')}',`)).toBeUndefined();
    expect(parseMarker(`See ${md('cache', 'begin')}`)).toBeUndefined();
    expect(parseMarker('<!-- pattern:cache:begin')).toBeUndefined();
  });

  it('lists the patterns a text has regions of', () => {
    const text = [sh('queue', 'begin'), sh('queue', 'end'), md('cache', 'end')].join('\n');
    expect([...markedPatterns(text)].sort()).toEqual(['cache', 'queue']);
  });
});
