import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet, { strictTransportSecurity } from 'helmet';

/**
 * The Content-Security-Policy of every answer, written for the pages this app will serve (the
 * web uploader: React, Vite and Uppy; the admin app: react-admin and MUI): scripts only from
 * this origin, styles from it and inline (Uppy and MUI inject <style> elements at run time),
 * images also as data: and blob: URLs (previews, thumbnails), workers from blob: (Uppy's), and
 * no framing, plugins or foreign <base>. 'wasm-unsafe-eval' lets the page compile WebAssembly
 * (the in-browser sha256 of uploads runs on it) and nothing else: JavaScript eval stays refused.
 * 'self' in connect-src covers this origin's WebSocket
 * (ws:/wss:) in current browsers, so GraphQL subscriptions need nothing more.
 */
const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'", "'wasm-unsafe-eval'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:', 'blob:'],
  fontSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  workerSrc: ["'self'", 'blob:'],
  frameAncestors: ["'none'"],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
};

/** Two years, the value the HSTS preload list asks for. */
const HSTS_MAX_AGE_SECONDS = 2 * 365 * 24 * 60 * 60;

/**
 * helmet's headers on every answer: nosniff, the policy above, no Referer sent anywhere,
 * X-Frame-Options DENY for browsers that predate frame-ancestors, and the cross-origin
 * isolation headers helmet sets by default. Not `upgrade-insecure-requests`, which would break
 * the app served on plain http (as it is on 127.0.0.1).
 */
export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
    referrerPolicy: { policy: 'no-referrer' },
    xFrameOptions: { action: 'deny' },
    // Sent only over TLS: see strictTransportSecurityOverTls.
    strictTransportSecurity: false,
  });
}

/**
 * HSTS only on answers to requests that came over TLS: directly, or through a proxy trusted by
 * TRUST_PROXY that says so in X-Forwarded-Proto (`req.secure`). A browser ignores HSTS on plain
 * http anyway, and sending it there would announce a promise nobody keeps.
 */
export function strictTransportSecurityOverTls(): RequestHandler {
  const hsts = strictTransportSecurity({ maxAge: HSTS_MAX_AGE_SECONDS, includeSubDomains: true });
  return (request: Request, response: Response, next: NextFunction) =>
    request.secure ? hsts(request, response, next) : next();
}
