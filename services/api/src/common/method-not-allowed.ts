import type { OpenAPIObject } from '@nestjs/swagger';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** A documented path as a regular expression: each `{parameter}` is one path segment. */
function pathPattern(path: string): RegExp {
  const segments = path
    .split('/')
    .map((segment) => (/^\{[^}]+\}$/.test(segment) ? '[^/]+' : segment.replace(/[.*+?^$()|[\]\\]/g, '\\$&')));
  return new RegExp(`^${segments.join('/')}/?$`);
}

/**
 * Answers 405 with `Allow` for a method the document does not list on a path it has (Express
 * would answer 404, as if the path did not exist). The OpenAPI document is the route table: every
 * route of the process is in it. HEAD follows GET and OPTIONS is Express's own, as before.
 */
export function methodNotAllowed(document: OpenAPIObject): RequestHandler {
  const routes = Object.entries(document.paths).map(([path, item]) => {
    const methods = METHODS.filter((method) => method in item).map((method) => method.toUpperCase());
    if (methods.includes('GET')) methods.push('HEAD');
    return { pattern: pathPattern(path), allow: methods };
  });
  return (request: Request, response: Response, next: NextFunction) => {
    const route = routes.find(({ pattern }) => pattern.test(request.path));
    if (!route || request.method === 'OPTIONS' || route.allow.includes(request.method)) {
      next();
      return;
    }
    response
      .status(405)
      .set('allow', route.allow.join(', '))
      .json({ statusCode: 405, message: `${request.method} is not allowed here`, error: 'Method Not Allowed' });
  };
}
