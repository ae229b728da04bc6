import { CanActivate, ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor, Role } from './actor';
import { PUBLIC_KEY, ROLES_KEY } from './roles.decorator';
import { ProblemException } from '../common/problem-details.filter';
import { problem } from '../common/problem-details';
import { InvalidTokenError, TokenVerificationUnavailableError, TokenVerifier } from './token-verifier';

/** While the identity provider's key set is out of reach, clients are asked to come back this soon. */
const KEY_SET_RETRY_AFTER_SECONDS = 5;

export type AuthenticatedRequest = FastifyRequest & { actor?: Actor };

/**
 * Every route is closed unless marked `@Public()`: the bearer token must verify (401 otherwise)
 * and the caller's role must be one the route names with `@Roles(...)` (403 otherwise).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: TokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    const match = header === undefined ? null : /^Bearer ([A-Za-z0-9_.~+/=-]+)$/.exec(header);
    if (header === undefined) throw new UnauthorizedException('an Authorization: Bearer <token> header is required');
    if (!match?.[1]) throw new UnauthorizedException('the Authorization header must be "Bearer " followed by a token (a JWT)');
    try {
      request.actor = await this.verifier.verify(match[1]);
    } catch (error) {
      if (error instanceof InvalidTokenError) throw new UnauthorizedException(error.message);
      if (error instanceof TokenVerificationUnavailableError) {
        void context.switchToHttp().getResponse<FastifyReply>().header('retry-after', String(KEY_SET_RETRY_AFTER_SECONDS));
        throw new ProblemException(problem(503, 'auth.key_set_unavailable', error.message));
      }
      throw error;
    }
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (roles === undefined) throw new ForbiddenException('this route is not open to any role');
    if (!roles.includes(request.actor.role)) {
      throw new ForbiddenException(`this action needs the role ${roles.join(' or ')}; the token's role is ${request.actor.role}`);
    }
    return true;
  }
}
