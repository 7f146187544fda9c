import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** What a preflight may ask for on the credentialed routes. */
const CREDENTIALED_METHODS = 'GET, POST, PUT, PATCH, DELETE';
const CREDENTIALED_HEADERS = 'Authorization, Content-Type';
/** GraphQL over HTTP: Apollo's CSRF check wants a preflighted header, which these allow. */
const GRAPHQL_HEADERS = 'Authorization, Content-Type, Apollo-Require-Preflight, X-Apollo-Operation-Name';
const PREFLIGHT_MAX_AGE_SECONDS = '600';

function isPreflight(request: Request): boolean {
  return request.method === 'OPTIONS' && typeof request.headers['access-control-request-method'] === 'string';
}

/**
 * GraphQL takes its credentials from the Authorization header only, never from a cookie, so a
 * page of any origin gains nothing a script outside a browser could not do: any origin may
 * call it, without credentials (`*` forbids them).
 */
export function openCors(): RequestHandler {
  return (request: Request, response: Response, next: NextFunction) => {
    response.set('Access-Control-Allow-Origin', '*');
    if (!isPreflight(request)) return next();
    response
      .set({
        'Access-Control-Allow-Methods': 'GET, POST',
        'Access-Control-Allow-Headers': GRAPHQL_HEADERS,
        'Access-Control-Max-Age': PREFLIGHT_MAX_AGE_SECONDS,
      })
      .status(204)
      .end();
  };
}

/**
 * The routes where the browser may send credentials of its own (the sign-in cookie): only the
 * origins of CORS_ORIGINS get CORS headers, with credentials. Any other origin gets none, so
 * its scripts can neither read the answers nor pass a preflight; pages of this app's own origin
 * need no CORS at all.
 */
export function credentialedCors(allowed: Set<string>): RequestHandler {
  return (request: Request, response: Response, next: NextFunction) => {
    const origin = request.headers.origin;
    response.vary('Origin');
    const allowedOrigin = typeof origin === 'string' && allowed.has(origin.toLowerCase());
    if (allowedOrigin) {
      response.set({ 'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Credentials': 'true' });
    }
    if (!isPreflight(request)) return next();
    if (allowedOrigin) {
      response.set({
        'Access-Control-Allow-Methods': CREDENTIALED_METHODS,
        'Access-Control-Allow-Headers': CREDENTIALED_HEADERS,
        'Access-Control-Max-Age': PREFLIGHT_MAX_AGE_SECONDS,
      });
    }
    // Answered here either way: without the headers above, the browser refuses the request.
    response.status(204).end();
  };
}
