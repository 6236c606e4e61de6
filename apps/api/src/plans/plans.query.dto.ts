import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { PLAN_STATES, ValidationFailed } from '@govflow/domain';
import { IsCode, IsInstant } from '@govflow/http';

export class ListPlansQuery {
  @ApiPropertyOptional({ example: 'TRANSFORMACION-DIGITAL' })
  @IsOptional()
  @IsCode()
  mesa?: string;

  @ApiPropertyOptional({ enum: PLAN_STATES })
  @IsOptional()
  @IsIn(PLAN_STATES)
  status?: string;

  @ApiPropertyOptional({ default: 50, maximum: 200 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({ description: "The previous page's nextCursor" })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

export class StateQuery {
  @ApiPropertyOptional({ example: '2024-10-15T12:00:00.000Z', description: 'Inclusive: every event recorded at or before' })
  @IsOptional()
  @IsInstant()
  at?: string;

  @ApiPropertyOptional({ example: 3 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(2_000_000_000)
  version?: number;
}

/** Exactly one of `at` (normalised to ISO-8601 with milliseconds) or `version`. */
export function pointOf(query: StateQuery): { at?: string; version?: number } {
  if ((query.at === undefined) === (query.version === undefined)) {
    throw ValidationFailed.field('at', 'Indique exactamente uno de «at» o «version».', 'Give exactly one of "at" or "version".');
  }
  if (query.at === undefined) return { version: query.version };
  const parsed = new Date(query.at);
  if (Number.isNaN(parsed.getTime())) throw ValidationFailed.field('at', 'La fecha no es válida.', 'The date is not valid.');
  return { at: parsed.toISOString() };
}
