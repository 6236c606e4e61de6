import { DynamicModule, Global, Module, Provider } from '@nestjs/common';
import { ChannelsService } from './channels.service';
import { DeliveryService } from './delivery.service';
import { InboxService } from './inbox.service';
import { InProcessDispatcher } from './in-process.dispatcher';
import { OutboxSignal } from './notification.writer';
import { NotificationWorker } from './notification.worker';
import { NotificationsAdmin } from './notifications.admin';
import { OutboxRelay } from './outbox.relay';

/**
 * Notifications for the API process: inbox, channels, admin views, and the way committed
 * outbox rows leave: to BullMQ through the relay when Redis is configured, else through the
 * in-process dispatcher. The worker process loads `forWorker()`: only delivery.
 */
@Global()
@Module({})
export class NotificationsModule {
  static forApi(options: { redis: boolean }): DynamicModule {
    const mover: Provider = options.redis ? OutboxRelay : InProcessDispatcher;
    return {
      module: NotificationsModule,
      providers: [OutboxSignal, DeliveryService, InboxService, ChannelsService, NotificationsAdmin, mover],
      exports: [OutboxSignal, InboxService, ChannelsService, NotificationsAdmin, ...(options.redis ? [OutboxRelay] : [])],
    };
  }

  static forWorker(): DynamicModule {
    return {
      module: NotificationsModule,
      providers: [OutboxSignal, DeliveryService, NotificationWorker],
      exports: [OutboxSignal],
    };
  }
}
