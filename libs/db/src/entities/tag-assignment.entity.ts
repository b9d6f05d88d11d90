import { Entity, PrimaryColumn } from 'typeorm';

/** A tag applied to one value of one object, e.g. tag `engaged` on registration_status `Attended`. */
@Entity({ name: 'tag_assignments' })
export class TagAssignmentEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  @PrimaryColumn({ name: 'tag_name', type: 'text' })
  tagName!: string;

  @PrimaryColumn({ type: 'text' })
  object!: string;

  @PrimaryColumn({ type: 'text' })
  value!: string;
}
