import {
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  ParseArrayPipe,
  Post,
  Put,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiOkResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import type { DataSource } from 'typeorm';
import { TagAssignmentEntity, TagEntity } from '@flowline/db';
import { DATA_SOURCE } from '@flowline/runtime';
import { CurrentTenant } from '../auth/current-tenant.decorator';
import { TenantAuthGuard } from '../auth/tenant-auth.guard';
import { ApiErrors, BODY_ERRORS, PATH_ERRORS } from '../common/openapi';
import { TAG_NAME_PATTERN, TagAssignmentDto, TagDto, TagListDto, TagResponseDto } from './tag.dto';

interface TagResponse {
  name: string;
  label: string;
  objects: string[];
  assignments: Array<{ object: string; value: string }>;
}

@ApiTags('tags')
@ApiBearerAuth()
@ApiErrors([401])
@UseGuards(TenantAuthGuard)
@Controller('tags')
export class TagsController {
  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {}

  @Get()
  @ApiOkResponse({ type: TagListDto })
  async list(@CurrentTenant() tenant: string): Promise<{ tags: TagResponse[] }> {
    const tags = await this.dataSource
      .getRepository(TagEntity)
      .find({ where: { tenantId: tenant }, order: { name: 'ASC' } });
    const assignments = await this.dataSource.getRepository(TagAssignmentEntity).findBy({ tenantId: tenant });
    return { tags: tags.map((tag) => toResponse(tag, assignments)) };
  }

  @Post()
  @HttpCode(201)
  @ApiCreatedResponse({ type: TagResponseDto })
  @ApiErrors([...BODY_ERRORS, 409], { 409: { description: 'a tag of this name exists' } })
  async create(@CurrentTenant() tenant: string, @Body() body: TagDto): Promise<TagResponse> {
    const repository = this.dataSource.getRepository(TagEntity);
    if (await repository.existsBy({ tenantId: tenant, name: body.name }))
      throw new ConflictException(`tag ${body.name} exists`);
    // An INSERT, not `save` (which would update a tag a concurrent request created meanwhile):
    // the loser of a race meets the primary key, which is answered 409 like the check above.
    const tag = repository.create({ tenantId: tenant, name: body.name, label: body.label, objects: body.objects });
    await repository.insert(tag);
    return toResponse(tag, []);
  }

  @Get(':name')
  @ApiParam({ name: 'name', schema: { type: 'string', pattern: TAG_NAME_PATTERN, minLength: 1, maxLength: 100 } })
  @ApiOkResponse({ type: TagResponseDto })
  @ApiErrors(PATH_ERRORS)
  async get(@CurrentTenant() tenant: string, @Param('name') name: string): Promise<TagResponse> {
    const tag = await this.find(tenant, name);
    return toResponse(
      tag,
      await this.dataSource.getRepository(TagAssignmentEntity).findBy({ tenantId: tenant, tagName: name }),
    );
  }

  @Delete(':name')
  @HttpCode(204)
  @ApiParam({ name: 'name', schema: { type: 'string', pattern: TAG_NAME_PATTERN, minLength: 1, maxLength: 100 } })
  @ApiNoContentResponse({ description: 'deleted, with its assignments' })
  @ApiErrors(PATH_ERRORS)
  async remove(@CurrentTenant() tenant: string, @Param('name') name: string): Promise<void> {
    await this.dataSource.getRepository(TagEntity).remove(await this.find(tenant, name));
  }

  /** Replaces the tag's assignments: the values of objects it applies to. */
  @Put(':name/assignments')
  @ApiBody({ type: TagAssignmentDto, isArray: true })
  @ApiParam({ name: 'name', schema: { type: 'string', pattern: TAG_NAME_PATTERN, minLength: 1, maxLength: 100 } })
  @ApiOkResponse({ type: TagResponseDto })
  @ApiErrors([...BODY_ERRORS, 404], {
    400: { description: 'invalid assignments, or an object the tag does not apply to: `message` lists every one' },
  })
  async assign(
    @CurrentTenant() tenant: string,
    @Param('name') name: string,
    @Body(new ParseArrayPipe({ items: TagAssignmentDto, whitelist: true, forbidNonWhitelisted: true }))
    assignments: TagAssignmentDto[],
  ): Promise<TagResponse> {
    const tag = await this.find(tenant, name);
    const wrong = assignments
      .map((assignment, index) => ({ assignment, index }))
      .filter(({ assignment }) => !tag.objects.includes(assignment.object))
      .map(
        ({ assignment, index }) =>
          `${index}.object: tag ${name} applies to ${tag.objects.join(', ')}, not ${assignment.object}`,
      );
    if (wrong.length > 0) throw new BadRequestException(wrong);
    await this.dataSource.transaction(async (manager) => {
      await manager.delete(TagAssignmentEntity, { tenantId: tenant, tagName: name });
      if (assignments.length > 0) {
        await manager
          .createQueryBuilder()
          .insert()
          .into(TagAssignmentEntity)
          .values(assignments.map((assignment) => ({ tenantId: tenant, tagName: name, ...assignment })))
          .orIgnore()
          .execute();
      }
    });
    return this.get(tenant, name);
  }

  private async find(tenant: string, name: string): Promise<TagEntity> {
    const tag = await this.dataSource.getRepository(TagEntity).findOneBy({ tenantId: tenant, name });
    if (!tag) throw new NotFoundException(`tag ${name} not found`);
    return tag;
  }
}

function toResponse(tag: TagEntity, assignments: TagAssignmentEntity[]): TagResponse {
  return {
    name: tag.name,
    label: tag.label,
    objects: tag.objects,
    assignments: assignments
      .filter((assignment) => assignment.tagName === tag.name)
      .map((assignment) => ({ object: assignment.object, value: assignment.value }))
      .sort((a, b) => a.object.localeCompare(b.object) || a.value.localeCompare(b.value)),
  };
}
