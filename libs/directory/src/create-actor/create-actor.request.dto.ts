import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsDefined, IsIn, IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { ACTOR_ROLES, ActorRole } from '@govflow/domain';
import { IsCode } from '@govflow/http';

export class CreateActorRequest {
  @ApiProperty({ example: 'Ana López' })
  @IsDefined()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;

  @ApiProperty({ example: 'MINFIN', description: 'The institution the person acts for' })
  @IsDefined()
  @IsCode()
  entity!: string;

  @ApiProperty({ example: ['official'], enum: ACTOR_ROLES, isArray: true })
  @IsDefined()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(3)
  @ArrayUnique()
  @IsIn(ACTOR_ROLES, { each: true })
  roles!: ActorRole[];
}
