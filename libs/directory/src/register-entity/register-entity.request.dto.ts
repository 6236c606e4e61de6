import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsCode } from '@govflow/http';

export class RegisterEntityRequest {
  @ApiProperty({ example: 'MINFIN' })
  @IsDefined()
  @IsCode()
  code!: string;

  @ApiProperty({ example: 'Ministerio de Finanzas Públicas' })
  @IsDefined()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;

  @ApiPropertyOptional({ example: 'ministerio' })
  @IsOptional()
  @IsString()
  @MaxLength(60)
  kind?: string;
}
