import { Actor } from '@govflow/domain';
import { Language } from './language';

/** What govflow adds to each HTTP request. */
export interface GovflowRequestFields {
  id: string;
  actor?: Actor;
  language: Language;
  bodyError?: { status: number; type?: string };
}
