import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsDefined, IsNotEmpty, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import { IsIsoDate } from '@govflow/http';

export class ObservationRequest {
  @ApiProperty({ example: 'Falta la línea base del indicador.' })
  @IsDefined()
  @IsString()
  @IsNotEmpty()
  @MaxLength(5000)
  text!: string;

  @ApiPropertyOptional({ default: true, description: 'A blocking observation must be answered before resubmission' })
  @IsOptional()
  @IsBoolean()
  blocking?: boolean;

  @ApiPropertyOptional({ example: 'C1' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  commitmentRef?: string;
}

export class ObservationResponseRequest {
  @ApiProperty({ example: 'obs-1' })
  @IsDefined()
  @IsString()
  @MaxLength(40)
  observationId!: string;

  @ApiProperty({ example: 'Se agregó la línea base (2023).' })
  @IsDefined()
  @IsString()
  @IsNotEmpty()
  @MaxLength(5000)
  response!: string;
}

export class PresentationRequest {
  @ApiProperty({ example: '2024-10-31' })
  @IsDefined()
  @IsIsoDate()
  date!: string;

  @ApiProperty({ example: 'Consejo de Ministros' })
  @IsDefined()
  @IsString()
  @IsNotEmpty()
  @MaxLength(300)
  forum!: string;
}

export class PlanActionRequest {
  @ApiPropertyOptional({ example: 'Cumple los criterios técnicos.' })
  @IsOptional()
  @IsString()
  @MaxLength(5000)
  rationale?: string;

  @ApiPropertyOptional({ type: [ObservationRequest] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => ObservationRequest)
  observations?: ObservationRequest[];

  @ApiPropertyOptional({ type: [ObservationResponseRequest] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => ObservationResponseRequest)
  responses?: ObservationResponseRequest[];

  @ApiPropertyOptional({ type: PresentationRequest })
  @IsOptional()
  @ValidateNested()
  @Type(() => PresentationRequest)
  presentation?: PresentationRequest;
}
