import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  getSchemaPath,
  ApiOkResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentTenant } from '../auth/current-tenant.decorator';
import { TenantAuthGuard } from '../auth/tenant-auth.guard';
import { ApiErrors, BODY_ERRORS, PATH_ERRORS } from '../common/openapi';
import { ParseListPipe } from '../common/parse-list.pipe';
import { MAX_TAG_ASSIGNMENTS, TAG_NAME_PATTERN, TagAssignmentDto, TagDto, TagListDto, TagResponseDto } from './tag.dto';
import { TagResponse, TagsService } from './tags.service';

@ApiTags('tags')
@ApiBearerAuth()
@ApiErrors([401])
@UseGuards(TenantAuthGuard)
@Controller('tags')
export class TagsController {
  constructor(@Inject(TagsService) private readonly tags: TagsService) {}

  @Get()
  @ApiOkResponse({ type: TagListDto })
  async list(@CurrentTenant() tenant: string): Promise<{ tags: TagResponse[] }> {
    return { tags: await this.tags.list(tenant) };
  }

  @Post()
  @HttpCode(201)
  @ApiCreatedResponse({ type: TagResponseDto })
  @ApiErrors([...BODY_ERRORS, 409], { 409: { description: 'a tag of this name exists' } })
  create(@CurrentTenant() tenant: string, @Body() body: TagDto): Promise<TagResponse> {
    return this.tags.create(tenant, body);
  }

  @Get(':name')
  @ApiParam({ name: 'name', schema: { type: 'string', pattern: TAG_NAME_PATTERN, minLength: 1, maxLength: 100 } })
  @ApiOkResponse({ type: TagResponseDto })
  @ApiErrors(PATH_ERRORS)
  get(@CurrentTenant() tenant: string, @Param('name') name: string): Promise<TagResponse> {
    return this.tags.get(tenant, name);
  }

  @Delete(':name')
  @HttpCode(204)
  @ApiParam({ name: 'name', schema: { type: 'string', pattern: TAG_NAME_PATTERN, minLength: 1, maxLength: 100 } })
  @ApiNoContentResponse({ description: 'deleted, with its assignments' })
  @ApiErrors(PATH_ERRORS)
  remove(@CurrentTenant() tenant: string, @Param('name') name: string): Promise<void> {
    return this.tags.remove(tenant, name);
  }

  /** Replaces the tag's assignments: the values of objects it applies to. */
  @Put(':name/assignments')
  @ApiBody({
    schema: { type: 'array', items: { $ref: getSchemaPath(TagAssignmentDto) }, maxItems: MAX_TAG_ASSIGNMENTS },
  })
  @ApiParam({ name: 'name', schema: { type: 'string', pattern: TAG_NAME_PATTERN, minLength: 1, maxLength: 100 } })
  @ApiOkResponse({ type: TagResponseDto })
  @ApiErrors([...BODY_ERRORS, 404], {
    400: { description: 'invalid assignments, or an object the tag does not apply to: `message` lists every one' },
  })
  assign(
    @CurrentTenant() tenant: string,
    @Param('name') name: string,
    @Body(new ParseListPipe(TagAssignmentDto, MAX_TAG_ASSIGNMENTS, 'assignments'))
    assignments: TagAssignmentDto[],
  ): Promise<TagResponse> {
    return this.tags.assign(tenant, name, assignments);
  }
}
