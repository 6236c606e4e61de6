import { SetMetadata, createParamDecorator, ExecutionContext } from '@nestjs/common';
import { ValidateBy, ValidationOptions } from 'class-validator';
import { Actor, ActorRole, isCalendarDate, isInstant } from '@govflow/domain';

export const CODE_PATTERN = /^[A-Z0-9][A-Z0-9_-]{1,39}$/;

/** Institution and table codes: `MINFIN`, `TRANSFORMACION-DIGITAL`. */
export function IsCode(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy({ name: 'isCode', validator: { validate: (v) => typeof v === 'string' && CODE_PATTERN.test(v) } }, options);
}

export function IsSha256(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy({ name: 'isSha256', validator: { validate: (v) => typeof v === 'string' && /^[0-9a-f]{64}$/i.test(v) } }, options);
}

export const IS_PUBLIC = 'govflow:public';
/** No bearer token needed (health, docs). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

export const REQUIRED_ROLES = 'govflow:roles';
/** The caller must hold one of these actor roles. */
export const RequireRoles = (...roles: ActorRole[]) => SetMetadata(REQUIRED_ROLES, roles);

/** The authenticated actor, set by the auth guard. */
export const CurrentActor = createParamDecorator((_: unknown, ctx: ExecutionContext): Actor => ctx.switchToHttp().getRequest().actor);

/** A real calendar date, YYYY-MM-DD (the domain's rule). */
export function IsIsoDate(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy({ name: 'isIsoDate', validator: { validate: (v) => typeof v === 'string' && isCalendarDate(v) } }, options);
}

/** An ISO-8601 date or instant that exists (2024-10-15, 2024-10-15T12:00:00.000Z, with an offset; not 2024-02-30). */
export function IsInstant(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy({ name: 'isInstant', validator: { validate: (v) => isInstant(v) } }, options);
}
