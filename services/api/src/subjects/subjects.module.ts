import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { EraseSubject } from './erase-subject';
import { SubjectsController } from './subjects.controller';

/** `DELETE /subjects/{subject}`: erasure of a subject's personal data (decision 0021). */
@Module({
  imports: [AuthModule],
  controllers: [SubjectsController],
  providers: [EraseSubject],
})
export class SubjectsModule {}
