import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap, Type } from '@nestjs/common';
import { TopicNames } from '@flowline/contracts';
import { BatchContext, ConsumedRecord, ConsumerRunner, PartlyHandled } from '@flowline/kafka';
import { ConsumerFactory } from './consumer-factory';

/** A use case that handles one chunk of consumed records (see `BatchHandler`). */
export interface RecordsUseCase {
  execute(records: ConsumedRecord[], context: BatchContext): Promise<void | PartlyHandled>;
}

/**
 * A provider that consumes `topics` as the service's group and hands each chunk to the use
 * case: started once every module is initialised (caches loaded), stopped before shutdown.
 */
export function consumerHost(
  service: string,
  topics: (names: TopicNames) => string[],
  useCase: Type<RecordsUseCase>,
): Type<OnApplicationBootstrap & BeforeApplicationShutdown & { runner: ConsumerRunner }> {
  @Injectable()
  class ConsumerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
    readonly runner: ConsumerRunner;

    constructor(
      @Inject(ConsumerFactory) consumers: ConsumerFactory,
      @Inject(TopicNames) names: TopicNames,
      @Inject(useCase) handler: RecordsUseCase,
    ) {
      this.runner = consumers.create(service, topics(names), (records, context) => handler.execute(records, context));
    }

    async onApplicationBootstrap(): Promise<void> {
      await this.runner.start();
    }

    async beforeApplicationShutdown(): Promise<void> {
      await this.runner.stop();
    }
  }
  Object.defineProperty(ConsumerHost, 'name', { value: `${useCase.name}ConsumerHost` });
  return ConsumerHost;
}
