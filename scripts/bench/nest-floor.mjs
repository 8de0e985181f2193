// The framework floor: a bare NestJS 11 app on the Fastify adapter, one controller answering GET with
// the same JSON body as the ceiling (bare Fastify), from memory. What Nest's routing, handler
// pipeline and adapter cost over Fastify before any of the project's own hooks, guards or logging.
// Env: PORT, BODY_FILE (the JSON body, as the API sent it).
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { Controller, Get, Header, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';

const body = readFileSync(process.env.BODY_FILE, 'utf8');

// Plain JavaScript: the decorators are applied by hand, as TypeScript would compile them.
class FloorController {
  answer() {
    return body;
  }
}
const answer = Object.getOwnPropertyDescriptor(FloorController.prototype, 'answer');
Header('content-type', 'application/json; charset=utf-8')(FloorController.prototype, 'answer', answer);
Get(['v1/events', 'health/live'])(FloorController.prototype, 'answer', answer);
Controller()(FloorController);
class FloorModule {}
Module({ controllers: [FloorController] })(FloorModule);

const app = await NestFactory.create(FloorModule, new FastifyAdapter(), { logger: false });
await app.listen(Number(process.env.PORT), '127.0.0.1');
