import {
  csrfTokenFor,
  csrfTokenMatches,
  newSessionToken,
  readCookie,
} from 'src/auth/session-tokens';

describe('session tokens', () => {
  it('derives a CSRF token only the session token can produce', () => {
    const a = newSessionToken();
    const b = newSessionToken();
    expect(a).not.toBe(b);
    expect(csrfTokenMatches(a, csrfTokenFor(a))).toBe(true);
    expect(csrfTokenMatches(a, csrfTokenFor(b))).toBe(false);
    expect(csrfTokenMatches(a, undefined)).toBe(false);
    expect(csrfTokenMatches(a, csrfTokenFor(a).slice(1))).toBe(false);
  });

  it('reads one cookie among several, and nothing from a look-alike name', () => {
    const header = 'theme=dark; audit_session_old=zzz; audit_session=abc.def; x=1';
    expect(readCookie(header, 'audit_session')).toBe('abc.def');
    expect(readCookie('audit_session=', 'audit_session')).toBeUndefined();
    expect(readCookie('audit_session_old=zzz', 'audit_session')).toBeUndefined();
    expect(readCookie(undefined, 'audit_session')).toBeUndefined();
  });
});
