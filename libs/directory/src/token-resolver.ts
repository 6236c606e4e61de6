import { timingSafeEqual } from 'node:crypto';
import { Actor } from '@govflow/domain';
import { ActorResolver } from '@govflow/http';
import { DirectoryService, hashToken } from './directory.service';

/** The bootstrap admin (from GOVFLOW_ADMIN_TOKEN) and the actors registered in the directory. */
export const BOOTSTRAP_ADMIN: Actor = { id: 'admin', name: 'Administración de govflow', entity: null, roles: ['admin'] };

export class TokenResolver implements ActorResolver {
  private readonly adminHash?: Buffer;

  constructor(
    private readonly directory: DirectoryService,
    adminToken: string | undefined,
  ) {
    this.adminHash = adminToken ? hashToken(adminToken) : undefined;
  }

  async resolveToken(token: string): Promise<Actor | null> {
    if (this.adminHash && timingSafeEqual(hashToken(token), this.adminHash)) return BOOTSTRAP_ADMIN;
    return this.directory.resolveToken(token);
  }
}
