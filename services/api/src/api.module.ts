import { Inject, INestApplication, Module, OnApplicationShutdown } from '@nestjs/common';
import { APP_PIPE } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { FLOWLINE_VERSION } from '@flowline/contracts';
import { WebhookSender } from '@flowline/delivery';
import { DELIVERY_SENDER_PROVIDERS, NOTIFIER_PROVIDER } from '@flowline/runtime';
import { AuthModule } from './auth/auth.module';
import { ApiValidationPipe } from './common/api-validation.pipe';
import { methodNotAllowed } from './common/method-not-allowed';
import { describeRealConstraints } from './common/openapi';
import { SECRETS_PROVIDER } from './common/secret-box.provider';
import { ConnectionsController } from './connections/connections.controller';
import { ConsoleController } from './console/console.controller';
import { ConnectionsService } from './connections/connections.service';
import { DeliveriesController } from './deliveries/deliveries.controller';
import { DeliveriesService } from './deliveries/deliveries.service';
import { EventsController } from './events/events.controller';
import { FlowsController } from './flows/flows.controller';
import { FlowsService } from './flows/flows.service';
import { InsightsModule } from './insights/insights.module';
import { MappingsController } from './mappings/mappings.controller';
import { MappingsService } from './mappings/mappings.service';
import { NotificationEndpointsController } from './notifications/notification-endpoints.controller';
import { NotificationEndpointsService } from './notifications/notification-endpoints.service';
import { ReplayRunner } from './replays/replay-runner';
import { ReplaysController } from './replays/replays.controller';
import { ReplaysService } from './replays/replays.service';
import { RetentionModule } from './retention/retention.module';
import { RetryQueueController } from './retry-queue/retry-queue.controller';
import { RecoveryJobRunner } from './retry-queue/recovery-job-runner';
import { RecoveryJobsService } from './retry-queue/recovery-jobs.service';
import { RetryQueueService } from './retry-queue/retry-queue.service';
import { SubmitToRetryQueue } from './retry-queue/submit-to-retry-queue';
import { SequencesController } from './sequences/sequences.controller';
import { SequencesService } from './sequences/sequences.service';
import { SessionController } from './session/session.controller';
import { SubjectsModule } from './subjects/subjects.module';
import { TagsController } from './tags/tags.controller';
import { TagsService } from './tags/tags.service';
import { TenantsController } from './tenants/tenants.controller';
import { TenantsService } from './tenants/tenants.service';

/**
 * The control plane (docs/CONTRACT.md §3–§7, §10): tenants, tags, connections, mappings, flows, events;
 * and the console (docs/CONTRACT.md §16) with its session sign-in.
 * Every body, query and path parameter passes ApiValidationPipe: unstorable text and unknown
 * fields are refused, and every problem is reported at once.
 */
@Module({
  imports: [AuthModule, InsightsModule, SubjectsModule, RetentionModule],
  controllers: [
    TenantsController,
    TagsController,
    ConnectionsController,
    MappingsController,
    FlowsController,
    SequencesController,
    DeliveriesController,
    ReplaysController,
    EventsController,
    RetryQueueController,
    SessionController,
    ConsoleController,
    NotificationEndpointsController,
  ],
  providers: [
    SECRETS_PROVIDER,
    TenantsService,
    TagsService,
    ConnectionsService,
    MappingsService,
    FlowsService,
    SequencesService,
    DeliveriesService,
    ReplaysService,
    ReplayRunner,
    RetryQueueService,
    SubmitToRetryQueue,
    RecoveryJobRunner,
    RecoveryJobsService,
    NotificationEndpointsService,
    NOTIFIER_PROVIDER,
    // Connection tests send like the dispatcher: same SSRF guard, auth and token handling.
    ...DELIVERY_SENDER_PROVIDERS,
    { provide: APP_PIPE, useClass: ApiValidationPipe },
  ],
})
export class ApiModule implements OnApplicationShutdown {
  constructor(@Inject(WebhookSender) private readonly sender: WebhookSender) {}

  async onApplicationShutdown(): Promise<void> {
    await this.sender.close();
  }

  /** OpenAPI at /docs-json and a browsable page at /docs; 405 for a method no route has. */
  static configure(app: INestApplication): void {
    const document = describeRealConstraints(
      SwaggerModule.createDocument(
        app,
        new DocumentBuilder()
          .setTitle('Flowline API')
          .setDescription('Control plane of Flowline: tenants, tags, connections, mappings, flows, events.')
          .setVersion(FLOWLINE_VERSION)
          .addBearerAuth()
          .build(),
      ),
    );
    SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
    app.use(methodNotAllowed(document));
  }
}
