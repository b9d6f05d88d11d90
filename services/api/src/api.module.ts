import { Module } from '@nestjs/common';

/** The control plane; its REST resources arrive with the control-plane issue (CONTRACT §3–§7, §10). */
@Module({})
export class ApiModule {}
