export * from './task.projection';
export * from './task.queries';
