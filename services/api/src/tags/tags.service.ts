import { BadRequestException, ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { TagAssignment, TagAssignmentEntity, TagEntity, TagsRepository } from '@flowline/db';
import { TagDto } from './tag.dto';

export interface TagResponse {
  name: string;
  label: string;
  objects: string[];
  assignments: Array<{ object: string; value: string }>;
}

/** Tags of one tenant and their assignments to the values of the objects they apply to. */
@Injectable()
export class TagsService {
  constructor(@Inject(TagsRepository) private readonly tags: TagsRepository) {}

  async list(tenant: string): Promise<TagResponse[]> {
    const tags = await this.tags.list(tenant);
    const assignments = await this.tags.assignments(tenant);
    return tags.map((tag) => toResponse(tag, assignments));
  }

  async create(tenant: string, body: TagDto): Promise<TagResponse> {
    if (await this.tags.exists(tenant, body.name)) throw new ConflictException(`tag ${body.name} exists`);
    // The loser of a race meets the primary key, which is answered 409 like the check above.
    const tag = await this.tags.insert(tenant, { name: body.name, label: body.label, objects: body.objects });
    return toResponse(tag, []);
  }

  async get(tenant: string, name: string): Promise<TagResponse> {
    const tag = await this.find(tenant, name);
    return toResponse(tag, await this.tags.assignments(tenant, name));
  }

  async remove(tenant: string, name: string): Promise<void> {
    await this.tags.remove(await this.find(tenant, name));
  }

  /** Replaces the tag's assignments; every assignment to an object the tag does not apply to is listed. */
  async assign(tenant: string, name: string, assignments: TagAssignment[]): Promise<TagResponse> {
    const tag = await this.find(tenant, name);
    const wrong = assignments
      .map((assignment, index) => ({ assignment, index }))
      .filter(({ assignment }) => !tag.objects.includes(assignment.object))
      .map(
        ({ assignment, index }) =>
          `${index}.object: tag ${name} applies to ${tag.objects.join(', ')}, not ${assignment.object}`,
      );
    if (wrong.length > 0) throw new BadRequestException(wrong);
    await this.tags.replaceAssignments(tenant, name, assignments);
    return this.get(tenant, name);
  }

  private async find(tenant: string, name: string): Promise<TagEntity> {
    const tag = await this.tags.find(tenant, name);
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
