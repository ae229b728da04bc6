import { Module } from '@nestjs/common';
import { QueueProducer } from './queue-producer';
import { RedisProbe } from './redis-probe';

@Module({ providers: [QueueProducer, RedisProbe], exports: [QueueProducer, RedisProbe] })
export class QueuesModule {}
