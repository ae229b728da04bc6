import helmet, { type HelmetOptions } from 'helmet';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { CONTENT_SECURITY_POLICY, securityHeaders } from './security';

/** A real answer, with a header helmet removes, for a real request. */
function aRealAnswer(): { request: IncomingMessage; response: ServerResponse } {
  const request = new IncomingMessage(new Socket());
  const response = new ServerResponse(request);
  response.setHeader('x-powered-by', 'something');
  return { request, response };
}

/** What helmet itself does to a real answer with these options. */
function helmetOnARealAnswer(options: Readonly<HelmetOptions>): Record<string, unknown> {
  const { request, response } = aRealAnswer();
  helmet(options)(request, response, (error?: unknown) => {
    if (error !== undefined) throw new Error('helmet refused the options');
  });
  return response.getHeaders();
}

function applied(options: Readonly<HelmetOptions>): Record<string, unknown> {
  const { response } = aRealAnswer();
  const headers = securityHeaders(options);
  for (const [name, value] of headers.set) response.setHeader(name, value);
  for (const name of headers.removed) response.removeHeader(name);
  return response.getHeaders();
}

const DEVELOPMENT: HelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
  hsts: false,
  referrerPolicy: { policy: 'no-referrer' },
  crossOriginEmbedderPolicy: false,
};
const PRODUCTION: HelmetOptions = { ...DEVELOPMENT, hsts: { maxAge: 31_536_000, includeSubDomains: true } };

describe('securityHeaders', () => {
  it.each([
    ['development', DEVELOPMENT],
    ['production', PRODUCTION],
  ])('gives an answer exactly the headers helmet gives it (%s options)', (_name, options) => {
    const expected = helmetOnARealAnswer(options);
    expect(applied(options)).toEqual(expected);
    expect(expected['x-powered-by']).toBeUndefined();
    expect(expected['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(Object.keys(expected).length).toBeGreaterThan(8);
  });

  it('sets Strict-Transport-Security with the production options only', () => {
    expect(securityHeaders(PRODUCTION).set.find(([name]) => name.toLowerCase() === 'strict-transport-security')?.[1]).toBe('max-age=31536000; includeSubDomains');
    expect(securityHeaders(DEVELOPMENT).set.some(([name]) => name.toLowerCase() === 'strict-transport-security')).toBe(false);
  });

  it('refuses a policy computed per request, which one set of headers cannot serve', () => {
    const nonce = (_request: IncomingMessage, _response: ServerResponse) => "'nonce-abc'";
    expect(() => securityHeaders({ contentSecurityPolicy: { useDefaults: false, directives: { ...CONTENT_SECURITY_POLICY, scriptSrc: ["'self'", nonce] } } })).toThrow(
      /computed per request/,
    );
  });
});
