import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
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

  @Delete(':id')
  @HttpCode(204)
  async remove(@CurrentTenant() tenant: string, @Param('id') id: string): Promise<void> {
    await this.connections.remove(tenant, id);
  }
}
