import { Module } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { SubjectErasureRepository } from '@flowline/db';
import { DATA_SOURCE } from '@flowline/runtime';
import { AuthModule } from '../auth/auth.module';
import { EraseSubject } from './erase-subject';
import { SubjectsController } from './subjects.controller';

/** `DELETE /subjects/{subject}`: erasure of a subject's personal data (decision 0021). */
@Module({
  imports: [AuthModule],
  controllers: [SubjectsController],
  providers: [
    EraseSubject,
    {
      provide: SubjectErasureRepository,
      useFactory: (dataSource: DataSource) => new SubjectErasureRepository(dataSource),
      inject: [DATA_SOURCE],
    },
  ],
})
export class SubjectsModule {}
