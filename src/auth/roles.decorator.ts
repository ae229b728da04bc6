import { SetMetadata } from '@nestjs/common';
import type { Role } from './actor';

export const ROLES_KEY = 'cdt:roles';
export const PUBLIC_KEY = 'cdt:public';

/** The roles allowed to call a route. Every authenticated route must say which. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

/** A route that needs no token (health checks, docs). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);
