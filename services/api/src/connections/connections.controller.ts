import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentTenant } from '../auth/current-tenant.decorator';
import { TenantAuthGuard } from '../auth/tenant-auth.guard';
import { ConnectionDto } from './connection.dto';
import { ConnectionResponse, ConnectionsService } from './connections.service';

@ApiTags('connections')
@ApiBearerAuth()
@UseGuards(TenantAuthGuard)
@Controller('connections')
export class ConnectionsController {
  constructor(@Inject(ConnectionsService) private readonly connections: ConnectionsService) {}

  @Get()
  async list(@CurrentTenant() tenant: string): Promise<{ connections: ConnectionResponse[] }> {
    return { connections: await this.connections.list(tenant) };
  }

  @Post()
  @HttpCode(201)
  create(@CurrentTenant() tenant: string, @Body() body: ConnectionDto): Promise<ConnectionResponse> {
    return this.connections.create(tenant, body);
  }

  @Get(':id')
  get(@CurrentTenant() tenant: string, @Param('id') id: string): Promise<ConnectionResponse> {
    return this.connections.get(tenant, id);
  }

  @Put(':id')
  replace(
    @CurrentTenant() tenant: string,
    @Param('id') id: string,
    @Body() body: ConnectionDto,
  ): Promise<ConnectionResponse> {
    return this.connections.replace(tenant, id, body);
  }

  @Post(':id/test')
  @HttpCode(200)
  test(@CurrentTenant() tenant: string, @Param('id') id: string) {
    return this.connections.test(tenant, id);
  }

  @Post(':id/pause')
  @HttpCode(200)
  @ApiOperation({ summary: 'Pause the connection by hand: its deliveries are held until it is resumed' })
  @ApiResponse({ status: 200, description: 'the connection, with paused: {at, reason: "paused by operator"}' })
  @ApiResponse({ status: 409, description: 'the connection is paused already' })
  pause(@CurrentTenant() tenant: string, @Param('id') id: string): Promise<ConnectionResponse> {
    return this.connections.pause(tenant, id);
  }

  @Post(':id/resume')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Resume a paused connection (after a 410 Gone or a pause): its held deliveries go, in order',
  })
  @ApiResponse({ status: 200, description: 'the connection, with paused: null' })
  @ApiResponse({ status: 409, description: 'the connection is not paused' })
  resume(@CurrentTenant() tenant: string, @Param('id') id: string): Promise<ConnectionResponse> {
    return this.connections.resume(tenant, id);
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@CurrentTenant() tenant: string, @Param('id') id: string): Promise<void> {
    await this.connections.remove(tenant, id);
  }
}
