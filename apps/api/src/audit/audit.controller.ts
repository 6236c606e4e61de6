import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuditService, Checkpoint, CheckpointService, VerificationReport } from '@govflow/audit';
import { RequireRoles } from '@govflow/http';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1/audit')
@RequireRoles('auditor', 'admin')
export class AuditController {
  constructor(
    private readonly audit: AuditService,
    private readonly checkpoints: CheckpointService,
  ) {}

  @Get('verify')
  @ApiOperation({ summary: "Recompute every stream's hash chain and check the latest checkpoint's heads are still there" })
  verify(): Promise<VerificationReport> {
    return this.audit.verify();
  }

  @Post('checkpoints')
  @HttpCode(201)
  @RequireRoles('admin')
  @ApiOperation({ summary: 'Sign (Ed25519) a Merkle root over every stream head, with the event count and last position (admin)' })
  create(): Promise<Checkpoint> {
    return this.checkpoints.create();
  }

  @Get('checkpoints')
  @ApiOperation({ summary: 'Signed checkpoints, newest first' })
  async list(): Promise<{ items: Checkpoint[] }> {
    return { items: await this.checkpoints.list() };
  }

  @Get('public-key')
  @ApiOperation({ summary: 'The Ed25519 public key that verifies checkpoint signatures (PEM)' })
  publicKey() {
    return this.checkpoints.publicKey;
  }
}
