import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Public } from 'src/access/access';
import { MetricsService } from 'src/metrics/metrics.service';

@ApiTags('operations')
// Public like /health: scrape it on the internal network; no tenant data is in it.
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiProduces('text/plain')
  @ApiOperation({ summary: 'Prometheus metrics (HTTP latency, job counts, process)' })
  @ApiOkResponse({
    description: 'The Prometheus text exposition format, version 0.0.4 (UTF-8).',
    schema: { type: 'string' },
  })
  scrape(): Promise<string> {
    return this.metrics.render();
  }
}
