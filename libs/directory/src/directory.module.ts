import { Module } from '@nestjs/common';
import { DirectoryCommands } from './directory.commands';
import { DirectoryService } from './directory.service';

@Module({
  providers: [DirectoryService, DirectoryCommands],
  exports: [DirectoryService, DirectoryCommands],
})
export class DirectoryModule {}
