import { Body, Controller, HttpCode, Inject, Post, Res } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/roles.decorator';
import { TokenVerifier } from '../auth/token-verifier';
import { ProblemException } from '../common/problem-details.filter';
import { problem } from '../common/problem-details';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { ADMIN_COOKIE_PATH, ADMIN_SESSION_COOKIE, adminAccess } from './admin-access';
import { AdminSessionDto } from './admin-session.dto';

/** A browser session for the queue dashboard: an admin's token exchanged for an HttpOnly cookie. */
@ApiTags('admin')
@Controller('admin')
export class AdminSessionController {
  constructor(
    private readonly verifier: TokenVerifier,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post('session')
  @Public()
  @HttpCode(204)
  @ApiOperation({
    summary: 'Open a dashboard session',
    description:
      'Sets the HttpOnly, SameSite=Strict cookie (Secure in production) that /admin/queues accepts, expiring with the token. ' +
      'A token that does not verify: 401; not an admin: 403; no cookie is set then.',
  })
  @ApiNoContentResponse({ description: 'the cookie is set' })
  @ApiResponse({ status: 400, description: 'no token in the body (problem+json)' })
  @ApiResponse({ status: 401, description: 'the token does not verify (problem+json)' })
  @ApiResponse({ status: 403, description: "not an admin's token (problem+json)" })
  async open(@Body() body: AdminSessionDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    const access = await adminAccess(body.token, this.verifier);
    if (!access.ok) {
      const code = access.status === 401 ? 'unauthorized' : access.status === 403 ? 'forbidden' : 'auth.key_set_unavailable';
      throw new ProblemException(problem(access.status, code, access.detail));
    }
    const maxAge = Math.max(0, Math.floor((access.expiresAt - Date.now()) / 1000));
    const attributes = [
      `${ADMIN_SESSION_COOKIE}=${encodeURIComponent(body.token)}`,
      `Path=${ADMIN_COOKIE_PATH}`,
      `Max-Age=${maxAge}`,
      `Expires=${new Date(access.expiresAt).toUTCString()}`,
      'HttpOnly',
      'SameSite=Strict',
      ...(this.config.nodeEnv === 'production' ? ['Secure'] : []),
    ];
    void reply.header('set-cookie', attributes.join('; '));
  }
}
