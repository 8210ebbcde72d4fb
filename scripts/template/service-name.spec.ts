import { MAX_NAME_LENGTH, serviceName, ServiceNameError } from './service-name';

describe('serviceName', () => {
  it('derives snake, UPPER, Pascal and Title forms from a kebab-case name', () => {
    expect(serviceName('acme-notes')).toEqual({
      kebab: 'acme-notes',
      snake: 'acme_notes',
      upper: 'ACME_NOTES',
      pascal: 'AcmeNotes',
      title: 'Acme Notes',
    });
  });

  it('keeps a one-word name as it is in every lowercase form', () => {
    expect(serviceName('docscale')).toEqual({
      kebab: 'docscale',
      snake: 'docscale',
      upper: 'DOCSCALE',
      pascal: 'Docscale',
      title: 'Docscale',
    });
  });

  it('keeps digits inside words', () => {
    expect(serviceName('b2b-api2').pascal).toBe('B2bApi2');
  });

  it.each([
    ['Acme-Notes', 'not lowercase kebab-case'],
    ['acme_notes', 'not lowercase kebab-case'],
    ['acme--notes', 'not lowercase kebab-case'],
    ['-acme', 'not lowercase kebab-case'],
    ['acme-', 'not lowercase kebab-case'],
    ['2fast', 'not lowercase kebab-case'],
    ['a', 'use 2 to'],
    ['a'.repeat(MAX_NAME_LENGTH + 1), 'use 2 to'],
    ['postgres', 'reserves or refuses'],
    ['pg-notes', 'reserves or refuses'],
  ])('refuses %s, saying why', (raw, reason) => {
    expect(() => serviceName(raw)).toThrow(ServiceNameError);
    expect(() => serviceName(raw)).toThrow(reason);
  });

  it('accepts a name of the maximum length', () => {
    expect(serviceName('a'.repeat(MAX_NAME_LENGTH)).kebab).toHaveLength(MAX_NAME_LENGTH);
  });
});
