import { QueryFailedError } from 'typeorm';
import {
  failsOnAnyMember,
  isDatabaseUnavailable,
  isMemberFailure,
  isTimeout,
} from './database-unavailable';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isDatabaseUnavailable', () => {
  it.each([
    ['a refused connection', withCode('ECONNREFUSED')],
    ['a connection exception (08006)', withCode('08006')],
    ['too many connections (53300)', withCode('53300')],
    ['an admin shutdown (57P01)', withCode('57P01')],
    ['a statement timeout (57014)', withCode('57014')],
    ['a pool wait timeout', new Error('timeout exceeded when trying to connect')],
    ['a client query timeout', new Error('Query read timeout')],
    ['a lost connection', new Error('Connection terminated unexpectedly')],
  ])('says yes for %s', (_, err) => {
    expect(isDatabaseUnavailable(err)).toBe(true);
  });

  it('looks through TypeORM QueryFailedError to the driver error', () => {
    const wrapped = new QueryFailedError('SELECT 1', [], withCode('57014'));
    expect(isDatabaseUnavailable(wrapped)).toBe(true);
  });

  it.each([
    ['a syntax error (42601)', withCode('42601')],
    ['a unique violation (23505)', withCode('23505')],
    ['an invalid datetime (22008)', withCode('22008')],
    ['a plain bug', new TypeError('cannot read properties of undefined')],
    ['a non-error', 'boom'],
  ])('says no for %s', (_, err) => {
    expect(isDatabaseUnavailable(err)).toBe(false);
  });
});

describe('failsOnAnyMember', () => {
  it.each(['22008', '23505', '42601', '0A000', '21000', '44000'])(
    'says yes for statement errors (%s): the primary would refuse them too',
    (code) => {
      expect(failsOnAnyMember(withCode(code))).toBe(true);
    },
  );

  it('says yes for an error that does not come from the database (a bug in the work a read runs)', () => {
    expect(
      failsOnAnyMember(new TypeError("Cannot read properties of undefined (reading 'id')")),
    ).toBe(true);
  });

  it.each([
    ['a lost DNS name', withCode('ENOTFOUND')],
    ['a closed client', new Error('Client was closed and is not queryable')],
    ['a recovery conflict (40001)', withCode('40001')],
    ['an internal error (XX000)', withCode('XX000')],
    ['a statement timeout (57014)', withCode('57014')],
  ])('says no for %s: the read is retried on the primary', (_, err) => {
    expect(failsOnAnyMember(err)).toBe(false);
  });
});

describe('isMemberFailure (what the primary breaker counts)', () => {
  it.each([
    ['a refused connection', withCode('ECONNREFUSED')],
    ['an admin shutdown (57P01)', withCode('57P01')],
    ['a pool wait timeout', new Error('timeout exceeded when trying to connect')],
  ])('counts %s', (_, err) => {
    expect(isMemberFailure(err)).toBe(true);
  });

  it.each([
    ['a serialization failure (40001)', withCode('40001')],
    ['a deadlock (40P01)', withCode('40P01')],
    ['a statement timeout (57014)', withCode('57014')],
    ['a unique violation (23505)', withCode('23505')],
    ['a plain bug', new TypeError('x is undefined')],
  ])('does not count %s: the server is fine', (_, err) => {
    expect(isMemberFailure(err)).toBe(false);
  });
});

describe('isTimeout', () => {
  it.each([
    ['a statement timeout (57014)', withCode('57014'), true],
    ['a pool wait timeout', new Error('timeout exceeded when trying to connect'), true],
    ['a client query timeout', new Error('Query read timeout'), true],
    ['a refused connection', withCode('ECONNREFUSED'), false],
  ])('tells %s', (_, err, expected) => {
    expect(isTimeout(err)).toBe(expected);
  });
});
