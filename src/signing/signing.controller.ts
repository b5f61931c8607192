import { Controller, Get, Header, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Public } from 'src/access/access';
import { KeyRing } from 'src/signing/key-ring.service';
import { SigningJwkSetResponseDto } from 'src/signing/signing.dto';

@ApiTags('verification')
// Public keys are public: anyone must be able to verify a record without an account with us.
@Public()
@Controller()
export class SigningController {
  constructor(private readonly keyRing: KeyRing) {}

  @Get('.well-known/jwks.json')
  @Header('Content-Type', 'application/jwk-set+json')
  @ApiProduces('application/jwk-set+json')
  @ApiOperation({
    summary:
      'Signing public keys as a JWK Set (RFC 8037 OKP, Ed25519), each with its validity window',
  })
  @ApiOkResponse({ type: SigningJwkSetResponseDto })
  jwks(): SigningJwkSetResponseDto {
    return this.keyRing.jwks();
  }

  @Get('v1/keys/:kid.pem')
  @ApiProduces('application/x-pem-file')
  @ApiOperation({ summary: 'One signing public key as SPKI PEM (for openssl)' })
  @ApiOkResponse({
    schema: {
      type: 'string',
      pattern: '^-----BEGIN PUBLIC KEY-----\\n',
      example: '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA…\n-----END PUBLIC KEY-----\n',
    },
  })
  pem(@Param('kid') kid: string, @Res({ passthrough: true }) res: Response): string {
    const pem = this.keyRing.publicKeyPem(kid);
    // Set here, not with @Header: that would also label the JSON 404 of an unknown kid as PEM.
    res.type('application/x-pem-file');
    return pem;
  }
}
