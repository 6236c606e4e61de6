import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsDefined, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsCode } from '@govflow/http';

export class CreateMesaRequest {
  @ApiProperty({ example: 'TRANSFORMACION-DIGITAL' })
  @IsDefined()
  @IsCode()
  code!: string;

  @ApiProperty({ example: 'Mesa de Transformación Digital' })
  @IsDefined()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;

  @ApiProperty({ example: 'SPP', description: 'Conducting institution' })
  @IsDefined()
  @IsCode()
  coordinator!: string;

  @ApiProperty({ example: 'GAE' })
  @IsDefined()
  @IsCode()
  technicalReviewer!: string;

  @ApiProperty({ example: ['MINFIN', 'MINGOB'] })
  @IsDefined()
  @IsArray()
  @ArrayMaxSize(200)
  @ArrayUnique()
  @IsCode({ each: true })
  members!: string[];

  @ApiPropertyOptional({ example: ['PGN'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(200)
  @ArrayUnique()
  @IsCode({ each: true })
  invited?: string[];

  @ApiPropertyOptional({ example: 'action-plan', description: 'Workflow definition id; plans pin its newest version' })
  @IsOptional()
  @IsString()
  @MaxLength(60)
  workflow?: string;
}
