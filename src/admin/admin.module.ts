import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { QueuesModule } from '../queues/queues.module';
import { AdminSessionController } from './admin-session.controller';

/** The admins' browser session for the queue dashboard (the dashboard itself: mountQueueDashboard). */
@Module({ imports: [AuthModule, QueuesModule], controllers: [AdminSessionController] })
export class AdminModule {}
