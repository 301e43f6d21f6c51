import type { FastifyServerOptions, LogLevel } from 'fastify';
import pretty from 'pino-pretty';
import type { Config } from './config.js';

/**
 * Pino options for the server: readable, coloured lines for a person at a terminal, one JSON
 * object per line for everything else (log collectors, pipes, files). LOG_FORMAT overrides.
 */
export function loggerOptions(
  config: Pick<Config, 'LOG_LEVEL' | 'LOG_FORMAT'>,
  stdout: { isTTY?: boolean } = process.stdout,
): FastifyServerOptions['logger'] {
  const format = config.LOG_FORMAT === 'auto' ? (stdout.isTTY ? 'pretty' : 'json') : config.LOG_FORMAT;
  if (format === 'json') return { level: config.LOG_LEVEL };
  return {
    level: config.LOG_LEVEL,
    // In-process and synchronous: a person reads these, so no worker thread and no line lost at exit.
    stream: pretty({ sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }),
  };
}

const LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/**
 * A route `logLevel` for routes hit too often to log each request at info (polls, WebSocket
 * upgrades): Fastify logs every request at info, so the route's threshold rises to warn
 * unless the server already logs at debug or finer. Warnings and errors still show.
 */
export function debugOnlyLogLevel(log: { level: string }): LogLevel {
  const at = LEVELS.indexOf(log.level as LogLevel);
  if (at === -1) return 'warn'; // a logger without pino's levels (logging off)
  if (at <= LEVELS.indexOf('debug')) return log.level as LogLevel;
  return LEVELS[Math.max(at, LEVELS.indexOf('warn'))] as LogLevel;
}
