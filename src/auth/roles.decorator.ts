import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerToken } from '../http/api-docs';
import type { Role } from './actor';

export const ROLES_KEY = 'cdt:roles';
export const PUBLIC_KEY = 'cdt:public';

/**
 * The roles allowed to call a route. Every authenticated route must say which; the OpenAPI
 * description then shows it needs a bearer token (and may answer 401/403).
 */
export const Roles = (...roles: Role[]) => applyDecorators(SetMetadata(ROLES_KEY, roles), ApiBearerToken());

/** A route that needs no token (health checks, docs): no security requirement in the OpenAPI description. */
export const Public = () => SetMetadata(PUBLIC_KEY, true);
