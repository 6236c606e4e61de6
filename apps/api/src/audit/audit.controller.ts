import { Body, Controller, Get, HttpCode, Logger, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { ValidationFailed } from '@govflow/domain';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuditService, Checkpoint, CheckpointService, ExportService, VerificationReport } from '@govflow/audit';
import { IsInstant, NoFields, RequireRoles } from '@govflow/http';

export class ExportRange {
  @ApiPropertyOptional({ example: '2024-10-01', description: 'Events recorded at or after (ISO-8601)' })
  @IsOptional()
  @IsInstant()
  from?: string;

  @ApiPropertyOptional({ example: '2024-12-31T23:59:59Z', description: 'Events recorded at or before (ISO-8601)' })
  @IsOptional()
  @IsInstant()
  to?: string;
}

function instant(value: string | undefined, field: string): string | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw ValidationFailed.field(field, 'La fecha no es válida.', 'The date is not valid.');
  return date.toISOString();
}

@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1/audit')
@RequireRoles('auditor', 'admin')
export class AuditController {
  private readonly logger = new Logger(AuditController.name);

  constructor(
    private readonly audit: AuditService,
    private readonly checkpoints: CheckpointService,
    private readonly exports: ExportService,
  ) {}

  @Get('export')
  @ApiOperation({ summary: 'NDJSON: every event with its hashes, then the checkpoints; verifiable offline (govflow verify)' })
  async export(@Query() range: ExportRange, @Res() res: Response): Promise<void> {
    const bounds = { from: instant(range.from, 'from'), to: instant(range.to, 'to') };
    if (bounds.from && bounds.to && bounds.from > bounds.to) {
      throw ValidationFailed.field('from', '«from» es posterior a «to»: el rango no contiene nada.', '"from" is after "to": the range holds nothing.');
    }
    res.status(200).setHeader('Content-Type', 'application/x-ndjson; charset=utf-8');
    res.setHeader('Content-Disposition', 'attachment; filename="govflow-export.ndjson"');
    try {
      for await (const line of this.exports.lines(bounds)) {
        if (!res.write(line)) await new Promise((resolve) => res.once('drain', resolve));
      }
    } catch (error) {
      // The headers are gone: abort the connection so the client sees a failed download, never a short file.
      this.logger.error({ err: error }, 'audit export failed mid-stream');
      res.destroy(error as Error);
      return;
    }
    res.end();
  }

  @Get('verify')
  @ApiOperation({ summary: "Recompute every stream's hash chain and check the latest checkpoint's heads are still there" })
  verify(@Query() _query: NoFields): Promise<VerificationReport> {
    return this.audit.verify();
  }

  @Post('checkpoints')
  @HttpCode(201)
  @RequireRoles('admin')
  @ApiOperation({ summary: 'Sign (Ed25519) a Merkle root over every stream head, with the event count and last position (admin)' })
  create(@Body() _body: NoFields): Promise<Checkpoint> {
    return this.checkpoints.create();
  }

  @Get('checkpoints')
  @ApiOperation({ summary: 'Signed checkpoints, newest first' })
  async list(@Query() _query: NoFields): Promise<{ items: Checkpoint[] }> {
    return { items: await this.checkpoints.list() };
  }

  @Get('public-key')
  @ApiOperation({ summary: 'The Ed25519 public key that verifies checkpoint signatures (PEM)' })
  publicKey(@Query() _query: NoFields) {
    return this.checkpoints.publicKey;
  }
}
