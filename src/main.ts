// Tracing first: it instruments http, pg and ioredis as they load.
import './tracing/register';
import { bootstrap, exitOnStartupFailure } from './bootstrap';

/** `npm start`: the role from APP_ROLE (default `all`: the API and the worker in one process). */
bootstrap().catch(exitOnStartupFailure);
