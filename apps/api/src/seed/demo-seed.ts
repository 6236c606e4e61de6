import { randomUUID } from 'node:crypto';
import { Actor } from '@govflow/domain';
import { BOOTSTRAP_ADMIN, DirectoryCommands, DirectoryService } from '@govflow/directory';
import { CommandContext } from '@govflow/event-store';

/**
 * The two tables of Guatemala's 2024 agenda for modernising the Executive, from its public
 * announcement. The announcement names no coordinator for the Civil Service table: the demo
 * assumes ONSEC coordinates and SEGEPLAN reviews.
 */
export const DEMO_ENTITIES = [
  { code: 'SPP', name: 'Secretaría Privada de la Presidencia', kind: 'secretaría' },
  { code: 'GAE', name: 'Comisión Presidencial de Gobierno Abierto y Electrónico', kind: 'comisión' },
  { code: 'MINFIN', name: 'Ministerio de Finanzas Públicas', kind: 'ministerio' },
  { code: 'MINGOB', name: 'Ministerio de Gobernación', kind: 'ministerio' },
  { code: 'SIT', name: 'Superintendencia de Telecomunicaciones', kind: 'superintendencia' },
  { code: 'CIV', name: 'Ministerio de Comunicaciones, Infraestructura y Vivienda', kind: 'ministerio' },
  { code: 'SENACYT', name: 'Secretaría Nacional de Ciencia y Tecnología', kind: 'secretaría' },
  { code: 'CNSC', name: 'Comité Nacional de Seguridad Cibernética', kind: 'comité' },
  { code: 'MINTRAB', name: 'Ministerio de Trabajo y Previsión Social', kind: 'ministerio' },
  { code: 'SGP', name: 'Secretaría General de la Presidencia', kind: 'secretaría' },
  { code: 'SEGEPLAN', name: 'Secretaría de Planificación y Programación de la Presidencia', kind: 'secretaría' },
  { code: 'ONSEC', name: 'Oficina Nacional de Servicio Civil', kind: 'oficina' },
  { code: 'PGN', name: 'Procuraduría General de la Nación', kind: 'procuraduría' },
  { code: 'INAP', name: 'Instituto Nacional de Administración Pública', kind: 'instituto' },
  { code: 'CGC', name: 'Contraloría General de Cuentas', kind: 'contraloría' },
];

export const DEMO_MESAS = [
  {
    code: 'TRANSFORMACION-DIGITAL',
    name: 'Mesa de Transformación Digital',
    coordinator: 'SPP',
    technicalReviewer: 'GAE',
    members: ['MINFIN', 'MINGOB', 'SIT', 'CIV', 'SENACYT', 'CNSC'],
    invited: [],
  },
  {
    code: 'SERVICIO-CIVIL',
    name: 'Mesa de Servicio Civil',
    coordinator: 'ONSEC',
    technicalReviewer: 'SEGEPLAN',
    members: ['MINFIN', 'MINTRAB', 'SPP', 'SGP', 'SEGEPLAN', 'ONSEC'],
    invited: ['PGN', 'INAP'],
  },
];

export interface DemoToken {
  name: string;
  entity: string;
  roles: Actor['roles'];
  token: string;
}

/** One official per institution, plus an auditor from the comptroller's office. */
export function demoActors(): DemoToken[] {
  const officials = DEMO_ENTITIES.filter((e) => e.code !== 'CGC').map((e) => ({
    name: `Enlace de ${e.code}`,
    entity: e.code,
    roles: ['official'] as Actor['roles'],
    token: `demo-${e.code.toLowerCase()}`,
  }));
  return [...officials, { name: 'Auditoría ciudadana (demo)', entity: 'CGC', roles: ['auditor'], token: 'demo-auditor' }];
}

/** Seeds the demo once, when the directory is empty. Returns whether it seeded now. */
export async function seedDemo(directory: DirectoryService, commands: DirectoryCommands, options = { onlyIfEmpty: true }): Promise<boolean> {
  if (options.onlyIfEmpty && (await directory.listEntities()).length > 0) return false;
  const ctx = (): CommandContext => ({ actor: BOOTSTRAP_ADMIN, now: new Date().toISOString(), commandId: randomUUID(), correlationId: 'demo-seed' });
  for (const entity of DEMO_ENTITIES) await commands.registerEntity(entity, ctx());
  for (const mesa of DEMO_MESAS) await commands.createMesa(mesa, ctx());
  for (const actor of demoActors()) await commands.createActor(actor, ctx(), actor.token);
  return true;
}
