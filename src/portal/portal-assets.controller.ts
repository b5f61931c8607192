import { Controller, Get, Param, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { readdirSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { extname, join } from 'node:path';
import { Public } from 'src/access/access';
import { NotFoundError } from 'src/common/domain-error';
import { PortalErrorFilter } from 'src/portal/portal-error.filter';
import { templatePath } from 'src/reports/project-root';

const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

interface Asset {
  bytes: Buffer;
  type: string;
  etag: string;
}

/**
 * The portal's own stylesheet, scripts and icon, from templates/portal/assets/: read once at
 * start, served from memory with an ETag, never from a CDN. Only the files that are there can be
 * asked for (no path is joined from the request).
 */
@ApiExcludeController()
@Controller('assets')
@UseFilters(PortalErrorFilter)
export class PortalAssetsController {
  private readonly assets = loadAssets(templatePath('portal', 'assets'));

  @Get(':name')
  @Public()
  asset(@Param('name') name: string, @Res() res: Response) {
    const asset = this.assets.get(name);
    if (!asset) throw new NotFoundError('asset', name);
    res
      .status(200)
      .set('Content-Type', asset.type)
      .set('Cache-Control', 'no-cache')
      .set('ETag', asset.etag)
      .set('X-Content-Type-Options', 'nosniff');
    if (res.req.headers['if-none-match'] === asset.etag) return res.status(304).end();
    res.send(asset.bytes);
  }
}

function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (!type) continue;
    const bytes = readFileSync(join(dir, name));
    const etag = `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 22)}"`;
    assets.set(name, { bytes, type, etag });
  }
  return assets;
}
