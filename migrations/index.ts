import { EventStore1732406400000 } from './1732406400000-EventStore';
import { Projections1732406460000 } from './1732406460000-Projections';
import { Notifications1732406520000 } from './1732406520000-Notifications';
import { DeliveredBy1732406580000 } from './1732406580000-DeliveredBy';
import { TaskTimers1732406640000 } from './1732406640000-TaskTimers';
import { Checkpoints1732406700000 } from './1732406700000-Checkpoints';
import { OutboxLeaseIndex1732406770000 } from './1732406770000-OutboxLeaseIndex';
import { LeanerAppend1732406780000 } from './1732406780000-LeanerAppend';
import { StreamSnapshots1732406900000 } from './1732406900000-StreamSnapshots';
import { DropOutboxPending1732407000000 } from './1732407000000-DropOutboxPending';
import { ActorRevocation1732407100000 } from './1732407100000-ActorRevocation';
import { OutboxStatusIndex1732407200000 } from './1732407200000-OutboxStatusIndex';
import { CompressedSnapshots1732407300000 } from './1732407300000-CompressedSnapshots';

/** Every migration, in order. Listed explicitly so the same array works compiled and in tests. */
export const MIGRATIONS = [
  EventStore1732406400000,
  Projections1732406460000,
  Notifications1732406520000,
  DeliveredBy1732406580000,
  TaskTimers1732406640000,
  Checkpoints1732406700000,
  OutboxLeaseIndex1732406770000,
  LeanerAppend1732406780000,
  StreamSnapshots1732406900000,
  DropOutboxPending1732407000000,
  ActorRevocation1732407100000,
  OutboxStatusIndex1732407200000,
  CompressedSnapshots1732407300000,
];
