import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Actor, ActorRole, Forbidden, Unauthenticated } from '@govflow/domain';
import { IS_PUBLIC, REQUIRED_ROLES } from './decorators';

/** Resolves a bearer token to an actor; implemented by the directory. */
export interface ActorResolver {
  resolveToken(token: string): Promise<Actor | null>;
}
export const ACTOR_RESOLVER = Symbol('ACTOR_RESOLVER');

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** Bearer token -> actor (401), then the route's actor roles (403). */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(ACTOR_RESOLVER) private readonly actors: ActorResolver,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest();
    const match = BEARER.exec(request.headers.authorization ?? '');
    if (!match) {
      throw new Unauthenticated({
        es: 'Falta el token: envíe «Authorization: Bearer <token>».',
        en: 'Missing token: send "Authorization: Bearer <token>".',
      });
    }
    const actor = await this.actors.resolveToken(match[1]);
    if (!actor) throw new Unauthenticated({ es: 'El token no es válido.', en: 'The token is not valid.' });
    request.actor = actor;
    const roles = this.reflector.getAllAndOverride<ActorRole[] | undefined>(REQUIRED_ROLES, targets);
    if (roles && !roles.some((role) => actor.roles.includes(role))) {
      throw new Forbidden({
        es: `Esta operación requiere el rol ${roles.join(' o ')}.`,
        en: `This operation requires the ${roles.join(' or ')} role.`,
      });
    }
    return true;
  }
}
