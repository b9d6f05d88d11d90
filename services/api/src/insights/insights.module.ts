import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { InsightsController } from './insights.controller';
import { InsightsService } from './insights.service';

/** `GET /insights`: the per-tenant figures the flow-evaluator, mapper and dispatcher keep in PostgreSQL. */
@Module({
  imports: [AuthModule],
  controllers: [InsightsController],
  providers: [InsightsService],
})
export class InsightsModule {}
