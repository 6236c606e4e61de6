import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsDefined, IsInt, IsNotEmpty, IsOptional, IsString, IsUrl, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { IsCode, IsIsoDate, IsSha256 } from '@govflow/http';

export class EvidenceRequest {
  @ApiPropertyOptional({ example: 'Acta de lanzamiento de la ventanilla única' })
  @IsDefined()
  @IsString()
  @IsNotEmpty()
  @MaxLength(300)
  title!: string;

  @ApiPropertyOptional({ example: 'https://www.minfin.gob.gt/ventanilla/acta.pdf' })
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  @MaxLength(2000)
  url?: string;

  @ApiPropertyOptional({ description: "SHA-256 of the document, lowercase hex" })
  @IsOptional()
  @IsSha256()
  sha256?: string;
}

/** The body of every task action; which fields an action needs is the decider's concern. */
export class TaskActionRequest {
  @ApiPropertyOptional({ description: 'return, reassign, cancel (required); validate (optional)' })
  @IsOptional()
  @IsString()
  @MaxLength(5000)
  rationale?: string;

  @ApiPropertyOptional({ description: 'block (required)' })
  @IsOptional()
  @IsString()
  @MaxLength(5000)
  reason?: string;

  @ApiPropertyOptional({ description: 'report-progress: 0 to 100' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100)
  percent?: number;

  @ApiPropertyOptional({ description: 'report-progress (required), deliver (optional)' })
  @IsOptional()
  @IsString()
  @MaxLength(5000)
  note?: string;

  @ApiPropertyOptional({ type: [EvidenceRequest], description: 'deliver (at least one)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => EvidenceRequest)
  evidence?: EvidenceRequest[];

  @ApiPropertyOptional({ description: 'reschedule: the new due date (YYYY-MM-DD)' })
  @IsOptional()
  @IsIsoDate()
  dueDate?: string;

  @ApiPropertyOptional({ description: 'reassign: the new responsible institution' })
  @IsOptional()
  @IsCode()
  entity?: string;
}
