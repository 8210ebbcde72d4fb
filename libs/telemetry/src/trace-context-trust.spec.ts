import { traceContextTrust } from './trace-context-trust';

describe('traceContextTrust', () => {
  it('trusts loopback peers, in both address families, when told `loopback`', () => {
    const trusts = traceContextTrust('loopback');
    expect(trusts('127.0.0.1')).toBe(true);
    expect(trusts('::1')).toBe(true);
    expect(trusts('::ffff:127.0.0.1')).toBe(true);
    expect(trusts('10.0.0.7')).toBe(false);
    expect(trusts('203.0.113.9')).toBe(false);
  });

  it('reads a comma-separated list of keywords and CIDRs, as TRUST_PROXY does', () => {
    const trusts = traceContextTrust('loopback, 10.1.0.0/16');
    expect(trusts('10.1.200.3')).toBe(true);
    expect(trusts('10.2.0.1')).toBe(false);
    expect(trusts('127.0.0.1')).toBe(true);
  });

  it('trusts no one when false and everyone when true', () => {
    expect(traceContextTrust(false)('127.0.0.1')).toBe(false);
    expect(traceContextTrust(true)('203.0.113.9')).toBe(true);
  });

  it('does not trust a peer whose address is unknown (a destroyed socket)', () => {
    expect(traceContextTrust('loopback')(undefined)).toBe(false);
  });

  it('refuses a malformed entry at start rather than trusting no one silently', () => {
    expect(() => traceContextTrust('loopbak')).toThrow();
  });
});
