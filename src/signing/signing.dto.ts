import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ApiTime } from 'src/common/api-schema';
import { SigningJwk, SigningJwkSet } from 'src/signing/key-ring.service';

const BASE64URL = '^[A-Za-z0-9_-]+$';

/** One public signing key: RFC 8037 OKP members, plus our validity window. */
export class SigningJwkResponseDto implements SigningJwk {
  @ApiProperty({ type: String, enum: ['OKP'] })
  kty!: 'OKP';

  @ApiProperty({ type: String, enum: ['Ed25519'] })
  crv!: 'Ed25519';

  @ApiProperty({
    description: 'The 32-byte public key, base64url without padding.',
    pattern: '^[A-Za-z0-9_-]{43}$',
  })
  x!: string;

  @ApiProperty({
    description: 'Key id: the RFC 7638 JWK thumbprint (SHA-256, base64url), as entries name it.',
    pattern: BASE64URL,
  })
  kid!: string;

  @ApiProperty({ type: String, enum: ['sig'] })
  use!: 'sig';

  @ApiProperty({ type: String, enum: ['EdDSA'] })
  alg!: 'EdDSA';

  @ApiTime('From when the key signs (and its signatures verify).')
  validFrom!: string;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description: 'When the next key took over; absent for the current key.',
  })
  validUntil?: string;
}

export class SigningJwkSetResponseDto implements SigningJwkSet {
  @ApiProperty({ type: [SigningJwkResponseDto], description: 'Oldest first.' })
  keys!: SigningJwkResponseDto[];
}
