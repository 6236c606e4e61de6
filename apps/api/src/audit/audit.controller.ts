import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuditService, VerificationReport } from '@govflow/audit';
import { RequireRoles } from '@govflow/http';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1/audit')
@RequireRoles('auditor', 'admin')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get('verify')
  @ApiOperation({ summary: "Recompute every stream's hash chain: altered content, broken links, missing versions, reordered events" })
  verify(): Promise<VerificationReport> {
    return this.audit.verify();
  }
}
