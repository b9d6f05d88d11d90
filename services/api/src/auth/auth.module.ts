import { Module } from '@nestjs/common';
import { AdminGuard } from './admin.guard';
import { ConsoleSessionStore } from './console-session-store';
import { TenantAuthGuard } from './tenant-auth.guard';
import { TenantKeys } from './tenant-keys';

/** Who a request acts for: the API key, the console's session, the operator's admin token. */
@Module({
  providers: [TenantAuthGuard, ConsoleSessionStore, AdminGuard, TenantKeys],
  exports: [TenantAuthGuard, ConsoleSessionStore, AdminGuard, TenantKeys],
})
export class AuthModule {}
