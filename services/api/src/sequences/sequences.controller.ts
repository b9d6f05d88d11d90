import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Patch,
  Post,
  Put,
  Query,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentTenant } from '../auth/current-tenant.decorator';
import { TenantAuthGuard } from '../auth/tenant-auth.guard';
import { SequenceDto, SequenceEventsQueryDto, SequencePatchDto, SimulateDto } from './sequence.dto';
import { SequenceResponse, SequencesService } from './sequences.service';

@ApiTags('sequences')
@ApiBearerAuth()
@UseGuards(TenantAuthGuard)
@Controller()
export class SequencesController {
  constructor(@Inject(SequencesService) private readonly sequences: SequencesService) {}

  @Get('sequences')
  async list(@CurrentTenant() tenant: string): Promise<{ sequences: SequenceResponse[] }> {
    return { sequences: await this.sequences.list(tenant) };
  }

  @Post('sequences')
  @HttpCode(201)
  create(@CurrentTenant() tenant: string, @Body() body: SequenceDto): Promise<SequenceResponse> {
    return this.sequences.create(tenant, body);
  }

  @Get('sequences/:id')
  get(@CurrentTenant() tenant: string, @Param('id') id: string): Promise<SequenceResponse> {
    return this.sequences.get(tenant, id);
  }

  @Put('sequences/:id')
  replace(
    @CurrentTenant() tenant: string,
    @Param('id') id: string,
    @Body() body: SequenceDto,
  ): Promise<SequenceResponse> {
    return this.sequences.replace(tenant, id, body);
  }

  @Patch('sequences/:id')
  patch(
    @CurrentTenant() tenant: string,
    @Param('id') id: string,
    @Body() body: SequencePatchDto,
  ): Promise<SequenceResponse> {
    return this.sequences.patch(tenant, id, body);
  }

  @Delete('sequences/:id')
  @HttpCode(204)
  async remove(@CurrentTenant() tenant: string, @Param('id') id: string): Promise<void> {
    await this.sequences.remove(tenant, id);
  }

  @Post('sequences/:id/simulate')
  @HttpCode(200)
  simulate(@CurrentTenant() tenant: string, @Param('id') id: string, @Body() body: SimulateDto) {
    return this.sequences.simulate(tenant, id, body);
  }

  /** Completed sequences, newest first. */
  @Get('sequence-events')
  async completed(@CurrentTenant() tenant: string, @Query() query: SequenceEventsQueryDto) {
    return { sequence_events: await this.sequences.completed(tenant, query.sequence_id, query.lead_id) };
  }
}
