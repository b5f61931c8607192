import { Body, Controller, Get, Module, Post, Query } from '@nestjs/common';
import { Public } from 'src/access/access';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Length, Min, ValidateNested } from 'class-validator';
import { NotFoundError } from 'src/common/domain-error';

class NestedDto {
  @IsString()
  code!: string;
}

export class EchoDto {
  @IsString()
  @Length(1, 50)
  name!: string;

  @IsInt()
  @Min(0)
  count!: number;

  @IsOptional()
  @ValidateNested()
  @Type(() => NestedDto)
  nested?: NestedDto;
}

/** Routes that exist only in tests, to drive the shared HTTP pipeline through each branch. */
@Public()
@Controller('test')
class TestRoutesController {
  @Post('echo')
  echo(@Body() body: EchoDto): EchoDto {
    return body;
  }

  @Get('boom')
  boom(): never {
    throw new Error('internal detail that must not reach the client');
  }

  @Get('missing')
  missing(): never {
    throw new NotFoundError('record', 'r-123');
  }

  @Get('slow')
  async slow(@Query('ms') ms = '1000'): Promise<{ done: true }> {
    await new Promise((resolve) => setTimeout(resolve, Number(ms)));
    return { done: true };
  }
}

@Module({ controllers: [TestRoutesController] })
export class TestRoutesModule {}
