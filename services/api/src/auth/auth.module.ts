import { Global, MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { AdminGuard } from './admin.guard';
import { AuthenticateBeforeBody } from './authenticate-before-body';
import { ConsoleSessionStore } from './console-session-store';
import { TenantAuthGuard } from './tenant-auth.guard';
import { TenantKeys } from './tenant-keys';

/**
 * Who a request acts for: the API key, the console's session, the operator's admin token.
 * Global because Nest mounts the middleware of global modules first: `POST /events`'s caller is
 * authenticated before the root module's body parser reads its body (AuthenticateBeforeBody).
 */
@Global()
@Module({
  providers: [TenantAuthGuard, ConsoleSessionStore, AdminGuard, TenantKeys, AuthenticateBeforeBody],
  exports: [TenantAuthGuard, ConsoleSessionStore, AdminGuard, TenantKeys],
})
export class AuthModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(AuthenticateBeforeBody).forRoutes({ path: 'events', method: RequestMethod.POST });
  }
}
