import { ApiProperty } from '@nestjs/swagger';
import { IsDefined, IsNotEmpty, IsString, MaxLength } from 'class-validator';

export class RevokeActorRequest {
  @ApiProperty({ example: 'Dejó de laborar en la institución.', description: 'Why the person may no longer act (recorded in the history)' })
  @IsDefined()
  @IsString()
  @IsNotEmpty()
  @MaxLength(5000)
  rationale!: string;
}
