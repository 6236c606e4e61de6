import { INestApplication } from '@nestjs/common';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { NextFunction, Request, Response } from 'express';
import { ACTOR_RESOLVER, ActorResolver, pickLanguage, problemOf } from '@govflow/http';
import { Forbidden, Unauthenticated } from '@govflow/domain';
import { OutboxRelay } from '@govflow/notifications';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';
const COOKIE = 'govflow_admin';

function tokenOf(req: Request): string | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
  if (bearer) return bearer;
  const cookie = (req.headers.cookie ?? '').split(';').map((c) => c.trim()).find((c) => c.startsWith(`${COOKIE}=`));
  return cookie ? decodeURIComponent(cookie.slice(COOKIE.length + 1)) : undefined;
}

/**
 * The BullMQ dashboard (bull-board), for admins only. A browser cannot send a bearer header
 * with the dashboard's own requests, so `?token=` once sets an HttpOnly cookie for this path.
 */
export function mountQueueDashboard(app: INestApplication): void {
  const relay = app.get(OutboxRelay, { strict: false });
  const actors = app.get<ActorResolver>(ACTOR_RESOLVER);
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({ queues: [new BullMQAdapter(relay.queue as never)], serverAdapter });

  const adminOnly = async (req: Request, res: Response, next: NextFunction) => {
    const language = pickLanguage(req.headers['accept-language']);
    const refuse = (error: Unauthenticated | Forbidden) => {
      const problem = problemOf(error, language);
      res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
    };
    const fromQuery = typeof req.query.token === 'string' ? req.query.token : undefined;
    const token = fromQuery ?? tokenOf(req);
    if (!token) return refuse(new Unauthenticated({ es: 'Falta el token de administración.', en: 'Missing the admin token.' }));
    const actor = await actors.resolveToken(token).catch(() => null);
    if (!actor) return refuse(new Unauthenticated({ es: 'El token no es válido.', en: 'The token is not valid.' }));
    if (!actor.roles.includes('admin')) return refuse(new Forbidden({ es: 'El tablero de colas es solo para administración.', en: 'The queue dashboard is for admins only.' }));
    if (fromQuery) {
      res.setHeader('Set-Cookie', `${COOKIE}=${encodeURIComponent(token)}; Path=${QUEUE_DASHBOARD_PATH}; HttpOnly; SameSite=Strict`);
      return res.redirect(QUEUE_DASHBOARD_PATH);
    }
    next();
  };
  app.use(QUEUE_DASHBOARD_PATH, adminOnly, serverAdapter.getRouter());
}
