import { Body, Controller, Get, HttpCode, Ip, Post, Req, Res } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { SCOPES } from 'src/access/scopes';
import { Access, CurrentPrincipal, Public } from 'src/access/access';
import {
  ApplicationSessionResponseDto,
  ChangePasswordDto,
  PersonResponseDto,
  PersonSessionResponseDto,
  SignedInResponseDto,
  SignInDto,
} from 'src/auth/auth.dto';
import { JsonBodyRequiredError } from 'src/auth/auth.errors';
import { AuthService } from 'src/auth/auth.service';
import { Principal, UserPrincipal } from 'src/access/principal';
import {
  csrfTokenFor,
  readCookie,
  SESSION_COOKIE,
  sessionCookieOptions,
} from 'src/auth/session-tokens';
import { ROLES } from 'src/access/roles';

const EVERY_PERSON = { roles: ROLES, selfService: true } as const;

/** The session cookie a sign-in sets and a sign-out clears. */
const SESSION_COOKIE_HEADER = (description: string) => ({
  'Set-Cookie': { description, required: true, schema: { type: 'string' } },
});

@ApiTags('authentication')
@Controller('v1/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('sign-in')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Portal sign-in: sets an HttpOnly session cookie and returns the CSRF token',
  })
  @ApiOkResponse({
    type: SignedInResponseDto,
    headers: SESSION_COOKIE_HEADER(
      `${SESSION_COOKIE}=<session token>; Path=/; Expires=…; HttpOnly; SameSite=Strict (and Secure over TLS): send it back as the Cookie header.`,
    ),
  })
  async signIn(
    @Body() body: SignInDto,
    @Ip() ip: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<SignedInResponseDto> {
    // A cross-site HTML form can post urlencoded bodies without a preflight; JSON it cannot.
    // Refusing anything else stops a page from signing a victim into the attacker's account.
    if (!req.is('application/json')) throw new JsonBodyRequiredError();
    const signedIn = await this.auth.signIn(body, ip);
    res.cookie(
      SESSION_COOKIE,
      signedIn.sessionToken,
      sessionCookieOptions(req.secure, signedIn.expiresAt),
    );
    return {
      ...describe(signedIn.principal),
      csrfToken: signedIn.csrfToken,
      expiresAt: signedIn.expiresAt.toISOString(),
    };
  }

  @Get('session')
  @Access({ ...EVERY_PERSON, scope: 'any' })
  @ApiOperation({
    summary: 'Who is calling: the person (with the CSRF token) or the application key',
  })
  @ApiExtraModels(PersonSessionResponseDto, ApplicationSessionResponseDto)
  @ApiOkResponse({
    description: 'The person (a session) or the application (an API key) calling.',
    schema: {
      oneOf: [
        { $ref: getSchemaPath(PersonSessionResponseDto) },
        { $ref: getSchemaPath(ApplicationSessionResponseDto) },
      ],
    },
  })
  session(
    @CurrentPrincipal() p: Principal,
    @Req() req: Request,
  ): PersonSessionResponseDto | ApplicationSessionResponseDto {
    if (p.kind === 'application') {
      return {
        kind: p.kind,
        tenantId: p.tenantId,
        applicationId: p.applicationId,
        keyPrefix: `iak_${p.keyPrefix}`,
        scopes: p.scopes.filter((s) => (SCOPES as readonly string[]).includes(s)),
      };
    }
    const token = readCookie(req.headers.cookie, SESSION_COOKIE);
    return { ...describe(p), csrfToken: token ? csrfTokenFor(token) : null };
  }

  @Post('sign-out')
  @Access(EVERY_PERSON)
  @HttpCode(204)
  @ApiOperation({ summary: 'End this session' })
  @ApiNoContentResponse({
    description: 'The session is ended; its cookie is cleared.',
    headers: SESSION_COOKIE_HEADER(
      `${SESSION_COOKIE}=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT`,
    ),
  })
  async signOut(
    @CurrentPrincipal() p: UserPrincipal,
    @Ip() ip: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<void> {
    await this.auth.signOut(p, ip);
    res.clearCookie(SESSION_COOKIE, { path: '/' });
  }

  @Post('password')
  @Access(EVERY_PERSON)
  @HttpCode(204)
  @ApiOperation({ summary: "Replace one's own password; other sessions end" })
  @ApiNoContentResponse({
    description: 'The new password is set; other sessions of the person end.',
  })
  async changePassword(
    @CurrentPrincipal() p: UserPrincipal,
    @Body() body: ChangePasswordDto,
    @Ip() ip: string,
  ): Promise<void> {
    await this.auth.changePassword(p, body.currentPassword, body.newPassword, ip);
  }
}

function describe(p: UserPrincipal): PersonResponseDto {
  return {
    kind: p.kind,
    tenantId: p.tenantId,
    userId: p.userId,
    email: p.email,
    role: p.role,
    passwordChangeRequired: p.passwordMustChange,
    auditorAccessUntil: p.auditorAccessUntil?.toISOString() ?? null,
  };
}
