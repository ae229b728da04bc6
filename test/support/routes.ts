import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { ModulesContainer } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { PUBLIC_KEY } from '../../src/auth/roles.decorator';

export interface RegisteredRoute {
  /** Lower case, as OpenAPI writes it (`post`). */
  readonly method: string;
  /** With Nest's `:param` placeholders (`/v1/aid-requests/:id`). */
  readonly path: string;
  /** Marked @Public() on the handler or its controller: no token needed. */
  readonly isPublic: boolean;
}

/**
 * Every route Nest registered in `app`, from the router's metadata (each controller's path joined
 * with each handler's). Tests that must cover every route take their list from here, so that a new
 * route cannot be forgotten.
 */
export function registeredRouteDetails(app: NestFastifyApplication): RegisteredRoute[] {
  const found = new Map<string, RegisteredRoute>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => unknown) | null;
      if (controller === null) continue;
      const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
      const prototype = controller.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const handler = prototype[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (path === undefined || method === undefined) continue;
        const url = `/${[base, path].map((p) => p.replace(/^\/+|\/+$/g, '')).filter((p) => p !== '').join('/')}`;
        const isPublic = Reflect.getMetadata(PUBLIC_KEY, handler) === true || Reflect.getMetadata(PUBLIC_KEY, controller) === true;
        found.set(`${RequestMethod[method]} ${url}`, { method: RequestMethod[method].toLowerCase(), path: url, isPublic });
      }
    }
  }
  return [...found.values()];
}

/** The same routes as `METHOD /path/:param`, sorted. */
export function registeredRoutes(app: NestFastifyApplication): string[] {
  return registeredRouteDetails(app)
    .map((route) => `${route.method.toUpperCase()} ${route.path}`)
    .sort();
}
