export * from './directory.projection';
export * from './directory.service';
export * from './directory.commands';
export * from './token-resolver';
export * from './register-entity/register-entity.request.dto';
export * from './create-mesa/create-mesa.request.dto';
export * from './create-actor/create-actor.request.dto';
export * from './directory.module';
