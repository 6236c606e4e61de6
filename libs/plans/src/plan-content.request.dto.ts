import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayUnique, IsArray, IsDefined, IsNotEmpty, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import { IsCode, IsIsoDate } from '@govflow/http';

export class MilestoneRequest {
  @ApiProperty({ example: 'H1' })
  @IsDefined()
  @IsString()
  @IsNotEmpty()
  @MaxLength(40)
  ref!: string;

  @ApiProperty({ example: 'Catálogo de trámites publicado' })
  @IsDefined()
  @IsString()
  @IsNotEmpty()
  @MaxLength(300)
  title!: string;

  @ApiProperty({ example: '2025-06-30', description: 'YYYY-MM-DD; past dates are accepted' })
  @IsDefined()
  @IsIsoDate()
  dueDate!: string;

  @ApiPropertyOptional({ example: 'MINFIN', description: "Defaults to the commitment's lead" })
  @IsOptional()
  @IsCode()
  responsibleEntity?: string;
}

export class CommitmentRequest {
  @ApiProperty({ example: 'C1' })
  @IsDefined()
  @IsString()
  @IsNotEmpty()
  @MaxLength(40)
  ref!: string;

  @ApiProperty({ example: 'Gobierno digital' })
  @IsDefined()
  @IsString()
  @IsNotEmpty()
  @MaxLength(300)
  title!: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(5000)
  description?: string;

  @ApiProperty({ example: 'GAE' })
  @IsDefined()
  @IsCode()
  leadEntity!: string;

  @ApiPropertyOptional({ example: ['MINFIN'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ArrayUnique()
  @IsCode({ each: true })
  supportEntities?: string[];

  @ApiProperty({ type: [MilestoneRequest] })
  @IsDefined()
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => MilestoneRequest)
  milestones!: MilestoneRequest[];
}

/** The drafters' content: what PUT replaces and what each submission freezes. */
export class PlanContentRequest {
  @ApiProperty({ example: 'Plan de acción de transformación digital 2024-2028' })
  @IsDefined()
  @IsString()
  @IsNotEmpty()
  @MaxLength(300)
  title!: string;

  @ApiProperty({ example: 'Un Estado digital, abierto y seguro al servicio de la ciudadanía.' })
  @IsDefined()
  @IsString()
  @MaxLength(10000)
  objective!: string;

  @ApiProperty({ type: [CommitmentRequest] })
  @IsDefined()
  @IsArray()
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => CommitmentRequest)
  commitments!: CommitmentRequest[];
}

export class OpenPlanRequest extends PlanContentRequest {
  @ApiProperty({ example: 'TRANSFORMACION-DIGITAL' })
  @IsDefined()
  @IsCode()
  mesa!: string;
}
