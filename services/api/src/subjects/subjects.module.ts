import { Module } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { SubjectErasureRepository } from '@flowline/db';
import { DATA_SOURCE } from '@flowline/runtime';
import { TenantAuthGuard } from '../auth/tenant-auth.guard';
import { EraseSubject } from './erase-subject';
import { SubjectsController } from './subjects.controller';

/** `DELETE /subjects/{subject}`: erasure of a subject's personal data (decision 0021). */
@Module({
  controllers: [SubjectsController],
  providers: [
    TenantAuthGuard,
    EraseSubject,
    {
      provide: SubjectErasureRepository,
      useFactory: (dataSource: DataSource) => new SubjectErasureRepository(dataSource),
      inject: [DATA_SOURCE],
    },
  ],
})
export class SubjectsModule {}
