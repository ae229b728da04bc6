// Tracing first: it instruments http, pg and ioredis as they load.
import './tracing/register';
import { bootstrap, exitOnStartupFailure } from './bootstrap';

/** `npm run start:worker`: the worker role alone (relay, queue processors, schedules), whatever APP_ROLE says. */
bootstrap('worker').catch(exitOnStartupFailure);
